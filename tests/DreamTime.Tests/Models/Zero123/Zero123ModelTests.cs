using DreamTime.Models.Zero123;
using DreamTime.Tests.Models.Diffusers;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Zero123;

/// <summary>
/// Each Zero-1-to-3 component of the tiny fixture against the reference implementation's float32 outputs.
/// </summary>
/// <remarks>
/// How the tolerances follow from float error: the fixture's weights are fp16 values, which float32 and float64
/// hold exactly, so ours, the reference's and a float64 evaluation all compute the same function and differ
/// only by float32 rounding, whose size depends on the order of summation (SIMD width, BLAS kernel, threads).
/// Each test therefore bounds how far a float32 evaluation may stray from the float64 one (the bound: at least ten
/// times the largest stray measured on this machine, noted beside it, for other CPUs' summation orders), checks that both our
/// output and the fixture's are within it, and compares ours with the fixture's at twice the bound.
/// </remarks>
public class Zero123ModelTests(ITestOutputHelper output)
{
    private readonly ITestOutputHelper _out = output;
    private static Zero123Pipeline P => TinyZero123.Pipeline;

    private void AssertMatches(Tensor reference, Tensor ours, Tensor exact, double bound, string what)
    {
        Assert.Equal(reference.shape, ours.shape);
        double dOurs = TinySd.MaxAbsDiff(exact, ours);
        double dRef = TinySd.MaxAbsDiff(exact, reference);
        double d = TinySd.MaxAbsDiff(reference, ours);
        _out.WriteLine(
            $"{what}: vs reference {d:E3} (tol {2 * bound:E1}); float32 stray from float64: ours {dOurs:E3}, reference {dRef:E3} (bound " +
            $"{bound:E1}); |ref| <= {reference.abs().max().item<float>():F3}");
        Assert.True(dOurs <= bound, $"{what}: ours is {dOurs:E3} from the float64 evaluation (> {bound:E1})");
        Assert.True(dRef <= bound,
            $"{what}: the fixture's is {dRef:E3} from the float64 evaluation (> {bound:E1}); is it the same function?");
        Assert.True(d <= 2 * bound, $"{what}: max |diff| from the reference = {d:E3} > {2 * bound:E1}");
    }

    /// <summary>
    /// Two layers of width 32 on outputs up to ~3.7 (float32 ulp 2.4e-7 in [2, 4)); measured stray 1.2e-6 on the last
    /// hidden state (ours and the fixture's alike, ~5 ulps), 4.6e-7 on the embeddings.
    /// </summary>
    private const double EncoderBound = 1.2e-5;

    [Fact]
    public void VisionEncoderEmbedsAndLastHiddenStateMatchReference()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var pixels = TinyZero123.Ref("clip_pixel_values");
        var o = P.ImageEncoder.Forward(pixels);
        var exact = TinyZero123.Float64Encoder.Forward(pixels.to(ScalarType.Float64));
        AssertMatches(TinyZero123.Ref("clip_image_embeds"), o.ImageEmbeds, exact.ImageEmbeds, EncoderBound, "image_embeds");
        AssertMatches(TinyZero123.Ref("clip_last_hidden_state"), o.LastHiddenState, exact.LastHiddenState, EncoderBound,
            "last_hidden_state");
    }

    /// <summary>One dot product of 36 terms per output, outputs up to ~1.7 (ulp 1.2e-7); measured stray 1.6e-7.</summary>
    private const double CcBound = 2e-6;

    [Fact]
    public void CcProjectionMatchesReference()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = TinyZero123.Ref("cc_in");
        AssertMatches(TinyZero123.Ref("cc_out"), P.CcProjection.Forward(x),
            TinyZero123.Float64CcProjection.Forward(x.to(ScalarType.Float64)), CcBound, "cc_out");
    }

    /// <summary>
    /// The SD fixture's UNet structure (where strays of ~1e-6 were measured on several SIMD paths) with 8 input
    /// channels, outputs up to ~1.3; measured stray 9.8e-7 (the fixture's), 9.4e-7 (ours).
    /// </summary>
    private const double UnetBound = 1e-5;

    [Fact]
    public void EightChannelUnetMatchesReference()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Assert.Equal(8, P.Unet.Config.InChannels);
        var sample = TinyZero123.Ref("unet_sample");
        var t = TinyZero123.Ref("unet_timesteps");
        var context = TinyZero123.Ref("unet_encoder_hidden_states");
        var o = P.Unet.Forward(sample, t, context);
        var exact = TinyZero123.Float64Unet.Forward(sample.to(ScalarType.Float64), t, context.to(ScalarType.Float64));
        AssertMatches(TinyZero123.Ref("unet_out"), o, exact, UnetBound, "unet_out");
        // the image-latent channels (4..7) are read: the fixture's sample without them gives a different output
        var halved = sample.clone();
        halved[.., 4..] = 0;
        double d = TinySd.MaxAbsDiff(o, P.Unet.Forward(halved, t, context));
        Assert.True(d > 100 * UnetBound, $"zeroing input channels 4..7 changed the output by only {d:E3}");
    }
}
