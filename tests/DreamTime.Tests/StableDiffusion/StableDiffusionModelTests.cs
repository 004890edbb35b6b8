using DreamTime.Diffusion;
using DreamTime.Models.Diffusers;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.StableDiffusion;

/// <summary>Each component of the tiny SD 1.5 fixture against the reference implementation's outputs.</summary>
public class StableDiffusionModelTests
{
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
        var zt = z0 * Math.Sqrt(ab) + noise * Math.Sqrt(1 - ab);
        TinySd.AssertClose(TinySd.Ref("sds_zt"), zt, 1e-5, "x_t");
        var epsHat = P.GuidedPrediction(TinySd.Ref("sds_zt"), t, cond, uncond, g);
        TinySd.AssertClose(TinySd.Ref("sds_eps_hat"), epsHat, 1e-4, "eps_hat");
        var grad = ScoreDistillation.Gradient(epsHat, noise, ScoreDistillation.Weight(SdsWeighting.OneMinusAlphaBar, ab));
        TinySd.AssertClose(TinySd.Ref("sds_grad_w_one_minus_alphabar"), grad, 1e-4, "sds grad");
    }
}
