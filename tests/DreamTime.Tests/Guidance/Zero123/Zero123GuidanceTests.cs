using DreamTime.Models.Zero123;
using DreamTime.Runtime;
using DreamTime.Tests.Models.Diffusers;
using DreamTime.Tests.Models.Zero123;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DreamTime.Tests.Guidance.Zero123;

/// <summary>
/// One classifier-free-guided noise prediction assembled as the community Zero1to3 pipeline does, step by step
/// against the fixture's guide_* references; tolerances as in <see cref="Zero123ModelTests"/> (float64 evaluation
/// of the same fp16 weights as the yardstick, at least ten times the measured float32 stray as the bound).
/// </summary>
public class Zero123GuidanceTests(ITestOutputHelper output)
{
    private readonly ITestOutputHelper _out = output;
    private static Zero123Pipeline P => TinyZero123.Pipeline;

    private double Check(Tensor reference, Tensor ours, Tensor exact, double bound, string what)
    {
        Assert.Equal(reference.shape, ours.shape);
        double dOurs = TinySd.MaxAbsDiff(exact, ours);
        double dRef = TinySd.MaxAbsDiff(exact, reference);
        double d = TinySd.MaxAbsDiff(reference, ours);
        _out.WriteLine(
            $"{what}: vs reference {d:E3} (tol {2 * bound:E1}); float32 stray from float64: ours {dOurs:E3}, reference {dRef:E3} (bound " +
            $"{bound:E1}); |ref| <= {reference.abs().max().item<float>():F3}");
        Assert.True(dOurs <= bound, $"{what}: ours is {dOurs:E3} from the float64 evaluation (> {bound:E1})");
        Assert.True(dRef <= bound, $"{what}: the fixture's is {dRef:E3} from the float64 evaluation (> {bound:E1})");
        Assert.True(d <= 2 * bound, $"{what}: max |diff| from the reference = {d:E3} > {2 * bound:E1}");
        return d;
    }

    /// <summary>Two CLIP layers, embeddings up to ~2.3; measured stray 3.0e-7.</summary>
    private const double EmbedsBound = 5e-6;
    /// <summary>The VAE encoder (two resnet levels, mid attention) on a 32x32 image, latents up to ~0.95; measured stray 8.9e-7.</summary>
    private const double LatentsBound = 1e-5;
    /// <summary>cc_projection of the embedding and pose, outputs up to ~1.5; measured stray 1.8e-7.</summary>
    private const double PromptBound = 2e-6;
    /// <summary>
    /// eps_hat = u + s (c - u) multiplies branch errors by up to 1 + 2s (7 at s = 3), on top of what the condition's
    /// errors add through the UNet; measured stray 3.8e-6 (ours and the fixture's alike) on outputs up to ~1.7.
    /// </summary>
    private const double EpsBound = 4e-5;

    [Fact]
    public void GuidedNoisePredictionMatchesReference()
    {
        using var scope = NewDisposeScope();
        var pixels = TinyZero123.Ref("guide_cond_pixel_values");
        var image = TinyZero123.Ref("guide_cond_image");
        var pose = TinyZero123.Ref("guide_pose_deg_deg_r");
        long t = TinyZero123.Ref("guide_t").item<long>();
        double s = TinyZero123.Ref("guide_scale").item<float>();

        using var cond = P.EncodeCondition(pixels, image);
        Tensor embeds64, latents64, prompt64, eps64;
        using (no_grad())
        {
            embeds64 = TinyZero123.Float64Encoder.Forward(pixels.to(ScalarType.Float64)).ImageEmbeds.unsqueeze(1);
            latents64 = TinyZero123.Float64Vae.Encode(image.to(ScalarType.Float64)).Mean;
            var p = pose.to(ScalarType.Float64).Times(Math.PI / 180);
            var features = torch.stack(
                new[] { p[.., 0], p[.., 1].sin(), p[.., 1].cos(), pose.to(ScalarType.Float64)[.., 2] }, 1).unsqueeze(1);
            prompt64 = TinyZero123.Float64CcProjection.Forward(torch.cat(new[] { embeds64, features }, 2));
            var zt = TinyZero123.Ref("guide_zt").to(ScalarType.Float64);
            var u = TinyZero123.Float64Unet.Forward(torch.cat(new[] { zt, torch.zeros_like(latents64) }, 1), t, torch.zeros_like(prompt64));
            var c = TinyZero123.Float64Unet.Forward(torch.cat(new[] { zt, latents64 }, 1), t, prompt64);
            eps64 = u.Plus((c - u).Times(s));
        }
        Check(TinyZero123.Ref("guide_image_embeds"), cond.ImageEmbeds, embeds64, EmbedsBound, "image embeds");
        Check(TinyZero123.Ref("guide_image_latents"), cond.ImageLatents, latents64, LatentsBound, "image latents (posterior mode)");
        Check(TinyZero123.Ref("guide_prompt_embeds"), P.PromptEmbeds(cond, pose), prompt64, PromptBound, "prompt embeds");

        // x_t = sqrt(ab) z0 + sqrt(1-ab) noise: two products and a sum of terms below 4, each rounded once in
        // float32 (ulp 2.4e-7 in [2, 4)), plus sqrt(ab) rounded in float32 by the reference: a few ulps
        double ab = P.Schedule.AlphaBar((int)t);
        var zt32 = TinyZero123.Ref("guide_z0").Times(Math.Sqrt(ab)).Plus(TinyZero123.Ref("guide_noise").Times(Math.Sqrt(1 - ab)));
        TinySd.AssertClose(TinyZero123.Ref("guide_zt"), zt32, 1e-6, "x_t");

        var x = TinyZero123.Ref("guide_zt");
        var eps = P.PredictNoiseGuided(x, t, cond, pose, s);
        double d = Check(TinyZero123.Ref("guide_eps_hat"), eps, eps64, EpsBound, "eps_hat");

        // what the tolerance still tells apart: the other side's azimuth, and the branches' roles swapped (scale 1 - s)
        var mirrored = pose.clone();
        mirrored[0, 1] = -mirrored[0, 1];
        double dPose = TinySd.MaxAbsDiff(eps, P.PredictNoiseGuided(x, t, cond, mirrored, s));
        double dSwap = TinySd.MaxAbsDiff(eps, P.PredictNoiseGuided(x, t, cond, pose, 1 - s));
        _out.WriteLine($"eps_hat change with azimuth -60 instead of 60: {dPose:E3}; with the branches swapped: {dSwap:E3}");
        Assert.True(dPose > 100 * EpsBound, $"the azimuth's sign changed eps_hat by only {dPose:E3}");
        Assert.True(dSwap > 100 * EpsBound, $"swapping the branches changed eps_hat by only {dSwap:E3}");
    }

    [Fact]
    public void ConditionFromAnImageHasTheEncodersShapes()
    {
        // the by-hand latents must match exactly: hold one set of convolution kernels for both encodings, which a
        // parallel test loading a pixel-space model would otherwise switch process-wide between them
        using var kernels = DreamTime.Runtime.TorchRuntime.WithoutOneDnnConvolutions();
        using var scope = NewDisposeScope();
        // a 48x40 image with a diagonal ramp: neither square nor the generation size, so both resizes run
        var ramp = torch.linspace(0, 1, 48).view(1, 48, 1).Times(0.5).Plus(torch.linspace(0, 1, 40).view(1, 1, 40).Times(0.5));
        var image = torch.cat(new[] { ramp, ramp.SubtractedFrom(1), ramp * ramp }, 0);
        using var cond = P.EncodeCondition(image);
        Assert.Equal(new long[] { 1, 1, P.ImageEncoder.Config.ProjectionDim }, cond.ImageEmbeds.shape);
        int h = P.DefaultResolution / P.VaeScaleFactor;
        Assert.Equal(new long[] { 1, P.LatentChannels, h, h }, cond.ImageLatents.shape);
        // the same as preparing the inputs by hand and encoding them
        var pixels = DreamTime.Models.Clip.ClipImagePreprocessor.Preprocess(image, P.ImageEncoder.Config.ImageSize);
        var vaeImage = nn.functional.interpolate(image.unsqueeze(0), size: new long[] { P.DefaultResolution, P.DefaultResolution },
            mode: InterpolationMode.Bilinear, align_corners: false, antialias: true).Times(2).Minus(1);
        using var byHand = P.EncodeCondition(pixels, vaeImage);
        TinySd.AssertClose(byHand.ImageEmbeds, cond.ImageEmbeds, 0, "image embeds");
        TinySd.AssertClose(byHand.ImageLatents, cond.ImageLatents, 0, "image latents");
        var e = Assert.Throws<DreamTime.Runtime.UserError>(() => P.EncodeCondition(image, 33, 32));
        Assert.Contains("33x32", e.Message);
    }
}
