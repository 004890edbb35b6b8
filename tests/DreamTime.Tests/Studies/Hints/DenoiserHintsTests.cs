using DreamTime.Diffusion;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Scenes;
using DreamTime.Studies.Hints;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Studies.Hints;

/// <summary>`prior hints`: the scores against references computed here, and the denoisers whose x0_hat is known in closed form.</summary>
public class DenoiserHintsTests
{
    private static readonly IReadOnlyList<FamilyMember> Members = PriorLibrary.Default.Select("a red mushroom").Members;
    private static readonly int[] Ts = { 20, 500, 980 };

    [Fact]
    public void ADenoiserReturningGreyScoresThePsnrOfGreyAgainstEachRender()
    {
        const int size = 16, seed = 3;
        var rows = DenoiserHints.Measure([q => zeros_like(q.Noisy)], Members, NoiseSchedule.StableDiffusion, size, cameras: 1, blur: 1,
            seed, Ts);
        // reference: the members rendered from the same camera, scored with plain loops in [0, 1]
        var camera = new CameraSampler(new CameraRanges(), seed).ForStep(0);
        var renders = new SdfRenderer { Supersample = BuiltinPriorOptions.DefaultSupersample }.Render(Members.Select(m => m.Scene).ToList(),
            camera, size, size);
        double expected = renders.Average(r => 10 * Math.Log10(1 / r.Rgb.Average(v => (0.5 - v) * (0.5 - v))));
        Assert.All(rows, r =>
        {
            Assert.Equal(100, r.InputPsnr, 6); // blur 1: the input is the clean render
            Assert.Equal(expected, r.HintPsnr[0], 3);
        });
    }

    [Fact]
    public void TheExactPosteriorOverOneMemberReturnsItFromAnyNoiseLevel()
    {
        var one = Members.Take(1).ToList();
        var rows = DenoiserHints.Measure([DenoiserHints.Exact(1.0)], one, NoiseSchedule.StableDiffusion, 16, cameras: 2, blur: 4, seed: 0,
            Ts);
        Assert.All(rows, r =>
        {
            Assert.InRange(r.InputPsnr, 5, 40); // the blurred input is not the member...
            Assert.True(r.HintPsnr[0] > 90, $"t={r.T}: {r.HintPsnr[0]} dB"); // ...but a one-member posterior is
        });
    }

    [Fact]
    public void DegradingKeepsEachChannelsMeanAndAConstantImage()
    {
        var x = rand(new long[] { 2, 3, 8, 8 }, generator: new Generator(5)).Times(2).Minus(1);
        var d = DenoiserHints.Degrade(x, 4);
        Assert.Equal(x.shape, d.shape);
        // bilinear upsampling (half-pixel centres, clamped at the border) weights the 2x2 block means symmetrically
        Assert.True(d.mean(new long[] { 2, 3 }).allclose(x.mean(new long[] { 2, 3 }), rtol: 0, atol: 1e-5));
        Assert.False(d.allclose(x, rtol: 0, atol: 0.05));
        var c = full(new long[] { 1, 3, 8, 8 }, Scalars.Of(0.25));
        Assert.True(DenoiserHints.Degrade(c, 2).allclose(c, rtol: 0, atol: 1e-6));
        Assert.Same(x, DenoiserHints.Degrade(x, 1));
    }
}
