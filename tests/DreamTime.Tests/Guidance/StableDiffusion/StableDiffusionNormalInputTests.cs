using DreamTime.Guidance;
using DreamTime.Guidance.StableDiffusion;
using DreamTime.Models.Diffusers;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Tests.Models.Diffusers;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DreamTime.Tests.Guidance.StableDiffusion;

/// <summary>
/// Stable Diffusion fed normal maps (Fantasia3D's geometry stage): the stage's first steps use the normal image
/// and the opacity as the latents themselves, later ones encode the normal image with the VAE.
/// </summary>
/// <remarks>
/// The comparisons hold oneDNN's convolutions off for the whole test and use relative tolerances of 1e-5, as
/// <see cref="StableDiffusionGuidanceTests.ImageGradientIsTheEncoderVjpOfTheSdsGradient"/> explains.
/// </remarks>
public class StableDiffusionNormalInputTests(PixelSpaceCheckpoint pixelSpace, ITestOutputHelper output)
    : IClassFixture<PixelSpaceCheckpoint>
{
    private static StableDiffusionPipeline P => TinySd.Pipeline;
    private const string Hamburger = "a DSLR photo of a hamburger";
    private static readonly Camera[] Cameras = [new Camera(0, 0, 3, 40)];

    private static StableDiffusionGuidanceOptions Options(int latentSteps) => new()
    {
        ViewDependentPrompt = false,
        LatentMode = LatentMode.Mean,
        GuidanceScale = 100,
        Input = ImageModality.Normal,
        NormalLatentSteps = latentSteps,
    };

    /// <summary>Composited normals (opacity times unit normals) and opacities in [0, 1], as leaves.</summary>
    private static (Tensor Normal, Tensor Opacity) Geometry(int size, int seed)
    {
        var g = new Generator((ulong)seed);
        var n = randn(new long[] { 1, size, size, 3 }, generator: g);
        var o = rand(new long[] { 1, size, size, 1 }, generator: g);
        return ((o * n / n.norm(-1, keepdim: true)).requires_grad_(true), o.requires_grad_(true));
    }

    private static GuidanceOutput Step(StableDiffusionGuidance g, Tensor normal, Tensor opacity, int t)
    {
        var b = normal.shape[0]; var h = normal.shape[1]; var w = normal.shape[2];
        // what the trainer hands over in the normal modality: the normal image in place of the colours
        var render = new RenderOutput(NormalImage.Encode(normal, opacity), opacity, zeros(b, h, w, 1), normal, zeros(b, h, w, 3));
        return g.Step(new GuidanceInput(render, Cameras, new Conditioning(Hamburger), t, new Generator(9)));
    }

    [Fact]
    public void LatentStepsDistilTheNormalImageAndOpacityAsLatentsWithoutTheVae()
    {
        using var kernels = TorchRuntime.WithoutOneDnnConvolutions();
        using var scope = NewDisposeScope();
        using var g = new StableDiffusionGuidance(P, Options(latentSteps: 2));
        Assert.Equal(16, g.LatentSize);
        g.UpdateStep(2);
        Assert.True(g.NormalAsLatents);
        // rendered at the latent size, so no resize stands between the render and the latents
        var (normal, opacity) = Geometry(16, 3);
        const int t = 500;
        var r = Step(g, normal, opacity, t);
        r.Losses["sds"].backward();

        // the closed form: latents x = [2 image - 1, opacity] = [1 + N - o, o]; the loss's gradient in x is the SDS
        // gradient w(t) (eps_hat - eps) / B, so dN = g_rgb and do = g_alpha - sum of g_rgb. x is computed from the
        // normal image as the guidance computes it, so that both sides feed the UNet the same bits (guidance 100
        // magnifies a rounding difference in its input past the tolerance).
        var image = NormalImage.Encode(normal.detach(), opacity.detach());
        var x = cat([image.Times(2).Minus(1), opacity.detach()], -1).permute(0, 3, 1, 2);
        Assert.True((x[.., ..3] - (normal.detach().Plus(1) - opacity.detach()).permute(0, 3, 1, 2)).abs().max().item<float>() < 1e-6);
        double ab = P.Schedule.AlphaBar(t);
        var eps = randn(x.shape, generator: new Generator(9));
        var zt = x.Times(Math.Sqrt(ab)).Plus(eps.Times(Math.Sqrt(1 - ab)));
        var epsHat = P.GuidedNoise(zt, t, P.EncodePrompt(Hamburger), P.EncodePrompt(""), 100);
        var sds = (epsHat - eps).Times(1 - ab).permute(0, 2, 3, 1);
        var expectedNormal = sds[.., .., .., ..3];
        var expectedOpacity = sds[.., .., .., 3..] - sds[.., .., .., ..3].sum(-1, keepdim: true);
        double scale = sds.abs().max().item<float>();
        output.WriteLine($"normal gradient: max |diff| {TinySd.MaxAbsDiff(expectedNormal, normal.grad!):E3}, " +
            $"opacity: {TinySd.MaxAbsDiff(expectedOpacity, opacity.grad!):E3} (tol {1e-5 * scale:E3})");
        TinySd.AssertClose(expectedNormal, normal.grad!, 1e-5 * scale, "normal gradient");
        TinySd.AssertClose(expectedOpacity, opacity.grad!, 1e-5 * scale, "opacity gradient");
        Assert.Equal(sds.norm().item<float>(), r.Stats["grad_norm"], 1e-5 * sds.norm().item<float>());
    }

    [Fact]
    public void AfterTheLatentStepsTheVaeEncodesTheNormalImage()
    {
        using var kernels = TorchRuntime.WithoutOneDnnConvolutions();
        using var scope = NewDisposeScope();
        using var g = new StableDiffusionGuidance(P, Options(latentSteps: 2));
        g.UpdateStep(3);
        Assert.False(g.NormalAsLatents);
        var (normal, opacity) = Geometry(24, 4);
        const int t = 500;
        Step(g, normal, opacity, t).Losses["sds"].backward();
        Assert.True(normal.grad!.isfinite().all().item<bool>() && opacity.grad!.isfinite().all().item<bool>());

        // the same as distilling the normal image as a picture, by the chain rule through the encoding
        var image = NormalImage.Encode(normal.detach(), opacity.detach()).requires_grad_(true);
        var r = g.Step(new GuidanceInput(RenderOutput.FromImages(image), Cameras, new Conditioning(Hamburger), t, new Generator(9)));
        r.Losses["sds"].backward();
        var expectedNormal = image.grad!.Times(0.5);
        var expectedOpacity = image.grad!.sum(-1, keepdim: true).Times(-0.5);
        double scale = image.grad!.abs().max().item<float>();
        Assert.True(scale > 1e-6, $"gradient too small to compare ({scale})");
        TinySd.AssertClose(expectedNormal, normal.grad!, 1e-5 * scale, "normal gradient");
        TinySd.AssertClose(expectedOpacity, opacity.grad!, 1e-5 * scale, "opacity gradient");
    }

    [Fact]
    public void LatentStepsAtAnotherRenderSizeAreResizedAndStayFinite()
    {
        using var scope = NewDisposeScope();
        using var g = new StableDiffusionGuidance(P, Options(latentSteps: 5));
        g.UpdateStep(1);
        var (normal, opacity) = Geometry(40, 5);
        Assert.Equal(new long[] { 1, 4, 16, 16 }, g.NormalLatents(NormalImage.Encode(normal, opacity), opacity).shape);
        Step(g, normal, opacity, 900).Losses["sds"].backward();
        foreach (var grad in new[] { normal.grad!, opacity.grad! })
        {
            Assert.True(grad.isfinite().all().item<bool>());
            Assert.True(grad.abs().sum().item<float>() > 0);
        }
    }

    [Fact]
    public void NormalLatentStepsDefaultToATenthOfANormalStage()
    {
        var s = new StableDiffusionSettings { Model = "m" };
        Assert.Equal(100, s.ToOptions(ImageModality.Normal, 1000, fourChannelLatents: true).NormalLatentSteps);
        Assert.Equal(0, s.ToOptions(ImageModality.Shaded, 1000, fourChannelLatents: true).NormalLatentSteps);
        Assert.Equal(0, s.ToOptions(ImageModality.Normal, 1000, fourChannelLatents: false).NormalLatentSteps);
        var seven = s with { NormalLatentSteps = 7 };
        Assert.Equal(7, seven.ToOptions(ImageModality.Normal, 1000, fourChannelLatents: true).NormalLatentSteps);
        Assert.Equal("normal_latent_steps", Assert.Throws<UserError>((s with { NormalLatentSteps = -1 }).Validate).Key);
        // no latents to stand in for: a model in pixel space refuses them
        var e = Assert.Throws<UserError>(() => new StableDiffusionGuidance(pixelSpace.Pipeline, Options(latentSteps: 3)));
        Assert.Equal("normal_latent_steps", e.Key);
        using var plain = new StableDiffusionGuidance(pixelSpace.Pipeline, Options(latentSteps: 0));
        Assert.False(plain.NormalAsLatents);
    }
}
