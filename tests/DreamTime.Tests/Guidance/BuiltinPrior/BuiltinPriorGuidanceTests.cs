using DreamTime.Diffusion;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Scenes;
using DreamTime.Tests.Training;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Guidance.BuiltinPrior;

public class BuiltinPriorGuidanceTests
{
    static BuiltinPriorGuidanceTests() => TorchRuntime.ConfigureAllocator();

    private static readonly PriorLibrary Lib = new(6);
    private static readonly Camera Cam = new(15, 40, 2.2, 45);
    private const int Size = 24;

    private static Tensor Image(SceneImage img) => tensor(img.Rgb, new long[] { img.Height, img.Width, 3 });

    [Fact]
    public void GradientStepMovesTowardTheNearestMember()
    {
        using var guidance = new BuiltinPriorGuidance("a mushroom",
            new BuiltinPriorOptions { GuidanceScale = 1, Weighting = SdsWeighting.One }, Lib);
        var members = guidance.Selection.Members;
        var renders = new SdfRenderer().Render(members.Select(m => m.Scene).ToList(), Cam, Size, Size);
        // start from member 2 blended with member 4 and some noise: member 2 is the nearest
        var target = Image(renders[2]);
        var start = target.Times(0.75).Plus(Image(renders[4]).Times(0.25))
            .Plus(randn(target.shape, generator: new Generator(1)).Times(0.05)).clamp(Scalars.Of(0), Scalars.One);
        var images = start.unsqueeze(0).detach().requires_grad_(true);
        double before = (images[0] - target).Squared().sum().item<float>();

        var result = guidance.StepImages(images, new[] { Cam }, 30, new Generator(5));
        result.Loss.backward();
        Assert.Equal(2, (int)result.Stats["top_member"]);
        Assert.True(result.Stats["posterior_entropy"] < 0.05, $"entropy {result.Stats["posterior_entropy"]}");
        // the loss is 0.5 ||x0 - sg(x0 - g)||^2 / B with x0 = 2 images - 1: its image gradient is 2 g / B
        Assert.Equal(2 * result.GradNorm, images.grad!.norm().item<float>(), 2e-3 * result.GradNorm);

        using var _ = no_grad();
        var stepped = images - images.grad!.Times(0.05);
        double after = (stepped[0] - target).Squared().sum().item<float>();
        Assert.True(after < before * 0.95, $"distance {before} -> {after}");
    }

    [Fact]
    public void GuidanceMatchesTheDenoiserAndScheduleByHand()
    {
        var options = new BuiltinPriorOptions
        {
            GuidanceScale = 4,
            Weighting = SdsWeighting.OneMinusAlphaBar,
            TemperaturePixels = 16,
            Unconditional = UnconditionalSet.Family
        };
        using var guidance = new BuiltinPriorGuidance("a red mushroom", options, Lib);
        Assert.Equal(Lib.FindFamily("mushroom")!.Members.Count, guidance.RenderedMembers.Count);
        var images = rand(new long[] { 1, Size, Size, 3 }, generator: new Generator(2)).requires_grad_(true);
        int t = 600;
        var result = guidance.StepImages(images, new[] { Cam }, t, new Generator(9));

        // same noise, same renders, computed without the guidance class
        double ab = NoiseSchedule.StableDiffusion.AlphaBar(t);
        var x0 = images.detach().Times(2).Minus(1);
        var (noisy, eps) = ScoreDistillation.AddNoise(x0, ab, new Generator(9));
        var all = guidance.MemberImages(Cam, Size, Size);
        var cond = all.index_select(0, tensor(guidance.ConditionalIndex.Select(i => (long)i).ToArray()));
        double sharp = 16.0 / (Size * Size);
        using var c = ExactDenoiser.Denoise(noisy.reshape(1, -1), cond, ab, sharp);
        using var u = ExactDenoiser.Denoise(noisy.reshape(1, -1), all, ab, sharp);
        var g = (ExactDenoiser.Guided(c.Eps, u.Eps, 4) - eps.reshape(1, -1).to(float64)).Times(1 - ab);
        Assert.Equal(g.norm().item<double>(), result.GradNorm, 1e-3 * result.GradNorm);
        Assert.Equal(c.Entropy.item<double>(), result.Stats["posterior_entropy"], 1e-9);
        Assert.All(guidance.Selection.Members, m => Assert.Equal("red", m.Attributes["cap colour"]));
    }

    [Fact]
    public void MemberImagesAreCachedForTheLatestCamerasOnly()
    {
        using var guidance = new BuiltinPriorGuidance("a car", new BuiltinPriorOptions { GuidanceScale = 2 }, Lib);
        var first = guidance.MemberImages(Cam, 8, 8);
        Assert.Same(first, guidance.MemberImages(Cam, 8, 8));
        // with guidance the unconditional set (every family) is rendered; without, only the prompt's members
        Assert.Equal(new long[] { Lib.Members.Count, 8 * 8 * 3 }, first.shape);
        using var plain = new BuiltinPriorGuidance("a car", new BuiltinPriorOptions { GuidanceScale = 1 }, Lib);
        Assert.Equal(Lib.FindFamily("car")!.Members.Count, plain.RenderedMembers.Count);
        Assert.InRange(first.min().item<float>(), -1f, 1f);
        var images = full(new long[] { 1, 8, 8, 3 }, Scalars.Of(0.5));
        guidance.StepImages(images, new[] { Cam with { AzimuthDeg = 10 } }, 500, new Generator(1));
        Assert.NotSame(first, guidance.MemberImages(Cam, 8, 8));
    }

    [Fact]
    public void BadOptionsAreUserErrors()
    {
        Assert.Throws<UserError>(() => new BuiltinPriorGuidance("a dragon", null, Lib));
        Assert.Throws<UserError>(() => new BuiltinPriorGuidance("a car", new BuiltinPriorOptions { TemperaturePixels = -1 }, Lib));
        Assert.Throws<UserError>(() => new BuiltinPriorGuidance("a car", new BuiltinPriorOptions { GuidanceScale = double.NaN }, Lib));
        Assert.Equal(UnconditionalSet.Family, BuiltinPriorOptions.ParseUnconditional("Family"));
        Assert.Contains("allowed: all, family", Assert.Throws<UserError>(() => BuiltinPriorOptions.ParseUnconditional("none")).Message);
    }
}
