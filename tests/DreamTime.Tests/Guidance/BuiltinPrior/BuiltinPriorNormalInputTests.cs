using DreamTime.Diffusion;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Scenes;
using DreamTime.Tests.Training;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Guidance.BuiltinPrior;

/// <summary>The built-in prior in the normal modality: its members are normal images, and its posterior works on them.</summary>
public class BuiltinPriorNormalInputTests
{
    static BuiltinPriorNormalInputTests() => TorchRuntime.ConfigureAllocator();

    private static readonly PriorLibrary Lib = new(6);
    private static readonly Camera Cam = new(15, 40, 2.2, 45);
    private const int Size = 24;

    private static BuiltinPriorGuidance Normals(int supersample = 1) => new("a mushroom",
        new BuiltinPriorOptions
        {
            GuidanceScale = 1,
            Weighting = SdsWeighting.One,
            Input = ImageModality.Normal,
            Supersample = supersample,
        }, Lib);

    [Fact]
    public void MembersAreTheirNormalImagesWithTheGuidancesSupersampling()
    {
        using var guidance = Normals(supersample: 2);
        var members = guidance.MemberImages(Cam, Size, Size);
        var renders = new SdfRenderer { Supersample = 2 }.Render(guidance.RenderedMembers.Select(m => m.Scene).ToList(), Cam, Size, Size);
        for (int k = 0; k < renders.Length; k++)
        {
            var expected = renders[k].NormalImage().Select(v => 2 * v - 1).ToArray();
            Assert.Equal(expected, members[k].data<float>().ToArray());
        }
        // the same members in colour are other images: the modality reaches the renders
        using var shaded = new BuiltinPriorGuidance("a mushroom", new BuiltinPriorOptions { GuidanceScale = 1, Supersample = 2 }, Lib);
        Assert.True((shaded.MemberImages(Cam, Size, Size) - members).abs().max().item<float>() > 0.1f);
    }

    [Fact]
    public void AMembersOwnNormalImageAtSmallTIsDenoisedToItself()
    {
        using var guidance = Normals();
        var members = guidance.MemberImages(Cam, Size, Size);
        var x0 = members[2].unsqueeze(0).to(float64);
        int t = 20;
        double ab = NoiseSchedule.StableDiffusion.AlphaBar(t);
        var (noisy, _) = ScoreDistillation.AddNoise(x0, ab, new TorchSharp.torch.Generator(3));
        using var posterior = ExactDenoiser.Denoise(noisy, members, ab, guidance.Options.Sharpness(Size * Size));
        Assert.True(posterior.Weights[0, 2].item<double>() > 0.999, $"weight {posterior.Weights[0, 2].item<double>()}");
        Assert.True((posterior.X0 - x0).abs().max().item<double>() < 1e-3);

        // and through the guidance: a render whose normal image is the member's points at that member, with a small gradient
        var image = members[2].Plus(1).DividedBy(2).reshape(1, Size, Size, 3).requires_grad_(true);
        var result = guidance.StepImages(image, new[] { Cam }, t, new TorchSharp.torch.Generator(5));
        result.Loss.backward();
        Assert.Equal(2, (int)result.Stats["top_member"]);
        Assert.True(result.Stats["posterior_entropy"] < 0.05, $"entropy {result.Stats["posterior_entropy"]}");
        Assert.True(image.grad!.isfinite().all().item<bool>());
    }

    [Fact]
    public void ANormalImageStepMovesTowardTheNearestMembersNormalImage()
    {
        using var guidance = Normals();
        var members = guidance.MemberImages(Cam, Size, Size);
        var target = members[2].Plus(1).DividedBy(2).reshape(Size, Size, 3);
        var other = members[4].Plus(1).DividedBy(2).reshape(Size, Size, 3);
        var start = target.Times(0.75).Plus(other.Times(0.25))
            .Plus(randn(target.shape, generator: new TorchSharp.torch.Generator(1)).Times(0.05)).clamp(Scalars.Of(0), Scalars.One);
        var images = start.unsqueeze(0).detach().requires_grad_(true);
        double before = (images[0] - target).Squared().sum().item<float>();
        var result = guidance.StepImages(images, new[] { Cam }, 30, new TorchSharp.torch.Generator(5));
        result.Loss.backward();
        Assert.Equal(2, (int)result.Stats["top_member"]);
        using var _ = no_grad();
        double after = (images - images.grad!.Times(0.05))[0].sub(target).Squared().sum().item<float>();
        Assert.True(after < before * 0.95, $"distance {before} -> {after}");
    }
}
