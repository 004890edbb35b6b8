using DreamTime.Diffusion;
using DreamTime.Models.Diffusers;
using DreamTime.Runtime;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Diffusers;

/// <summary>Each component of the tiny SD 1.5 fixture against the reference implementation's outputs.</summary>
public class StableDiffusionModelTests(ITestOutputHelper output)
{
    private readonly ITestOutputHelper _out = output;
    private static StableDiffusionPipeline P => TinySd.Pipeline;

    [Fact]
    public void TextEncoderMatchesReference()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var ids = TinySd.Ref("clip_input_ids");
        var o = P.TextEncoder.Forward(ids);
        TinySd.AssertClose(TinySd.Ref("clip_last_hidden_state"), o.LastHiddenState, 1e-4, "last_hidden_state");
        TinySd.AssertClose(TinySd.Ref("clip_pooler_output"), o.Pooled, 1e-4, "pooler_output");
    }

    /// <summary>A pipeline loaded inside a caller's dispose scope (as tests and commands do) keeps the text embeddings.</summary>
    [Fact]
    public void TextEncoderLoadedInsideADisposeScopeKeepsItsEmbeddings()
    {
        StableDiffusionPipeline p;
        using (NewDisposeScope()) p = StableDiffusionPipeline.Load(Fixtures.TinySd15);
        using (p)
        {
            var names = p.TextEncoder.named_parameters().Select(x => x.name).ToList();
            Assert.Contains("embeddings.token_embedding.weight", names);
            Assert.Contains("embeddings.position_embedding.weight", names);
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var ids = TinySd.Ref("clip_input_ids");
            TinySd.AssertClose(TinySd.Ref("clip_last_hidden_state"), p.TextEncoder.Forward(ids).LastHiddenState, 1e-4, "last_hidden_state");
        }
    }

    [Fact]
    public void UnetMatchesReference()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var o = P.Unet.Forward(TinySd.Ref("unet_sample"), TinySd.Ref("unet_timesteps"), TinySd.Ref("unet_encoder_hidden_states"));
        TinySd.AssertClose(TinySd.Ref("unet_out"), o, 1e-4, "unet_out");
    }

    [Fact]
    public void VaeEncoderMomentsAndDecoderMatchReference()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var d = P.Vae!.Encode(TinySd.Ref("vae_image"));
        TinySd.AssertClose(TinySd.Ref("vae_mean"), d.Mean, 1e-4, "vae mean");
        TinySd.AssertClose(TinySd.Ref("vae_logvar"), d.LogVar, 1e-4, "vae logvar");
        var decoded = P.Vae.Decode(TinySd.Ref("vae_decode_latents"));
        TinySd.AssertClose(TinySd.Ref("vae_decoded"), decoded, 1e-4, "vae decoded");
    }

    [Fact]
    public void VaeEncoderVectorJacobianProductMatchesReference()
    {
        using var scope = NewDisposeScope();
        var image = TinySd.Ref("vae_image").requires_grad_(true);
        var mean = P.Vae!.Encode(image).Mean;
        var loss = (mean * TinySd.Ref("vae_vjp_v")).sum();
        loss.backward();
        TinySd.AssertClose(TinySd.Ref("vae_vjp_grad_image"), image.grad!, 1e-4, "d(sum(mean*v))/d image");
    }

    [Fact]
    public void DdimTimestepsMatchReference()
    {
        var s = new DdimScheduler(P.SchedulerConfig);
        var expected = TinySd.Ref("ddim_timesteps_10").data<long>().Select(x => (int)x).ToArray();
        Assert.Equal(expected, s.SetTimesteps(10));
    }

    /// <summary>
    /// Bound on how far one float32 evaluation of a UNet branch may stray from the exact (float64) output. The
    /// strays measured on the AVX-512, AVX2, SSE4.2 and scalar paths of MKL and libtorch, one thread or two, are
    /// ~1e-6 for outputs of magnitude ~1.3; the bound leaves a factor of ten for other CPUs.
    /// </summary>
    private const double BranchTol = 1e-5;

    /// <summary>
    /// The guided prediction amplifies rounding: with eps_hat = u + s (c - u), a change du, dc in the branches gives
    /// |d eps_hat| &lt;= |du| + s |dc - du| &lt;= (1 + 2s) max(|du|, |dc|). Our branches and the reference's are each
    /// within BranchTol of the exact ones, so they differ from each other by at most 2 BranchTol, and the guided
    /// outputs by (1 + 2s) 2 BranchTol (4e-3 at s = 100, for outputs up to ~17; cond and uncond swapped would be off
    /// by 2s |c - u| ~ 30).
    /// Comparing eps_hat at the branches' tolerance instead fails on whichever CPU rounds differently from the one
    /// that made the fixture. The float32 combination itself adds a few ulps of |eps_hat|.
    /// </summary>
    internal static double GuidedTol(double guidance, double guidedMagnitude) =>
        (1 + 2 * guidance) * 2 * BranchTol + 4 * Math.Pow(2, -23) * guidedMagnitude;

    [Fact]
    public void GuidedNoisePredictionAndSdsGradientMatchReference()
    {
        using var scope = NewDisposeScope();
        var hidden = TinySd.Ref("clip_last_hidden_state");
        var cond = hidden[0..1];
        var uncond = hidden[1..2];
        int t = (int)TinySd.Ref("sds_t").item<long>();
        double g = TinySd.Ref("sds_guidance_scale").item<float>();
        var z0 = TinySd.Ref("sds_z0");
        var noise = TinySd.Ref("sds_noise");
        double ab = P.Schedule.AlphaBar(t);
        var zt = z0.Times(Math.Sqrt(ab)).Plus(noise.Times(Math.Sqrt(1 - ab)));
        TinySd.AssertClose(TinySd.Ref("sds_zt"), zt, 1e-5, "x_t");
        var x = TinySd.Ref("sds_zt");

        // the two branches before guidance, batched as GuidedPrediction batches them, against the exact ones
        var both = P.PredictNoise(torch.cat(new[] { x, x }, 0), t, hidden);
        Tensor exact;
        using (no_grad())
            exact = TinySd.Float64Unet.Forward(torch.cat(new[] { x, x }, 0).to(ScalarType.Float64), t, hidden.to(ScalarType.Float64));
        double dCond = TinySd.MaxAbsDiff(exact[0..1], both[0..1]);
        double dUncond = TinySd.MaxAbsDiff(exact[1..2], both[1..2]);
        _out.WriteLine(
            $"eps_cond   vs float64: max |diff| = {dCond:E3} (tol {BranchTol:E1}, |eps_cond| <= " +
            $"{both[0..1].abs().max().item<float>():F3})");
        _out.WriteLine(
            $"eps_uncond vs float64: max |diff| = {dUncond:E3} (tol {BranchTol:E1}, |eps_uncond| <= " +
            $"{both[1..2].abs().max().item<float>():F3})");
        Assert.True(dCond <= BranchTol, $"eps_cond: max |diff| from float64 = {dCond:E3} > {BranchTol:E1}");
        Assert.True(dUncond <= BranchTol, $"eps_uncond: max |diff| from float64 = {dUncond:E3} > {BranchTol:E1}");

        var epsHat = P.GuidedPrediction(x, t, cond, uncond, g);
        var expected = TinySd.Ref("sds_eps_hat");
        double magnitude = expected.abs().max().item<float>();
        double guidedTol = GuidedTol(g, magnitude);
        double dGuided = TinySd.MaxAbsDiff(expected, epsHat);
        var exactGuided = exact[1..2].Plus((exact[0..1] - exact[1..2]).Times(g));
        double dReference = TinySd.MaxAbsDiff(expected, exactGuided);
        double oneSidedTol = (1 + 2 * g) * BranchTol + 4 * Math.Pow(2, -23) * magnitude;
        _out.WriteLine($"eps_hat vs reference: max |diff| = {dGuided:E3} (tol {guidedTol:E3}, |eps_hat| <= {magnitude:F3})");
        _out.WriteLine($"eps_hat of the reference vs float64: max |diff| = {dReference:E3} (tol {oneSidedTol:E3})");
        // the derivation assumes the fixture's branches were as close to exact as ours: its guided output says so
        Assert.True(dReference <= oneSidedTol, $"the fixture's eps_hat is {dReference:E3} from the float64 one (> {oneSidedTol:E3})");
        TinySd.AssertClose(expected, epsHat, guidedTol, "eps_hat");
        // the widened tolerance still tells the prompts apart
        double dSwapped = TinySd.MaxAbsDiff(expected, P.GuidedPrediction(x, t, uncond, cond, g));
        Assert.True(dSwapped > 100 * guidedTol, $"cond and uncond swapped: max |diff| = {dSwapped:E3}");

        // the weight multiplies the guided error once more, and (eps_hat - noise) adds an ulp of each
        var grad = ScoreDistillation.Gradient(epsHat, noise, ScoreDistillation.Weight(SdsWeighting.OneMinusAlphaBar, ab));
        double gradTol = (1 - ab) * GuidedTol(g, magnitude + noise.abs().max().item<float>());
        _out.WriteLine(
            $"sds grad vs reference: max |diff| = {TinySd.MaxAbsDiff(TinySd.Ref("sds_grad_w_one_minus_alphabar"), grad):E3} (tol " +
            $"{gradTol:E3})");
        TinySd.AssertClose(TinySd.Ref("sds_grad_w_one_minus_alphabar"), grad, gradTol, "sds grad");
    }
}
