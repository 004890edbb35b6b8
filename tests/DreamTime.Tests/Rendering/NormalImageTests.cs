using System.Numerics;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Scenes;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Rendering;

public class NormalImageTests
{
    static NormalImageTests() => TorchRuntime.ConfigureAllocator();

    [Fact]
    public void IsTheNormalAsColourCompositedOverWhiteAndDifferentiable()
    {
        var g = new Generator(4);
        var n = randn(new long[] { 2, 5, 5, 3 }, float64, generator: g);
        n = n / n.norm(-1, keepdim: true);
        var o = rand(new long[] { 2, 5, 5, 1 }, float64, generator: g);
        var composited = (o * n).requires_grad_(true);
        var opacity = o.clone().requires_grad_(true);
        var image = NormalImage.Encode(composited, opacity);
        // the definition: opacity (n / 2 + 1/2) + (1 - opacity) white
        var expected = (o * n.Times(0.5).Plus(0.5)).Plus(o.SubtractedFrom(1));
        Assert.True((image - expected).abs().max().item<double>() < 1e-12);

        // d/dN = v / 2 and d/do = -sum_c v_c / 2 for the loss sum(v * image)
        var v = randn(image.shape, float64, generator: g);
        (image * v).sum().backward();
        Assert.True((composited.grad! - v.Times(0.5)).abs().max().item<double>() < 1e-12);
        Assert.True(opacity.grad!.Plus(v.sum(-1, keepdim: true).Times(0.5)).abs().max().item<double>() < 1e-12);
    }

    [Fact]
    public void AVolumeRenderOfAMembersGeometryHasTheMembersNormalImage()
    {
        // the trainer's encoding of a render and the built-in prior's encoding of a member must agree on the same geometry
        var scene = new SceneBuilder()
            .Sphere(new Vector3(0.3f, -0.2f, 0.25f), 0.3f, new Vector3(0.9f, 0.3f, 0.2f))
            .Box(new Vector3(-0.3f, 0.25f, -0.1f), new Vector3(0.25f, 0.15f, 0.2f), new Vector3(0.2f, 0.6f, 0.9f))
            .Build();
        var cam = new Camera(25, 40, 2.2, 45);
        const int size = 48;
        var prior = new SdfRenderer().Render(scene, cam, size, size);
        var member = prior.NormalImage();
        var nerf = new VolumeRenderer(256, "sphere", 1.0).Render(new SdfVolume(scene), d => torch.ones(d.shape[0], 3, dtype: d.dtype),
            new[] { cam }, size, size, ShadingMode.Diffuse, Lighting.Default, null, normals: true, CPU);
        var render = NormalImage.Of(nerf)[0].contiguous().data<float>().ToArray();
        int interior = 0, close = 0, empty = 0;
        for (int i = 1; i < size - 1; i++)
            for (int j = 1; j < size - 1; j++)
            {
                // pixels whose 3x3 neighbourhood is all object or all background (silhouettes depend on sampling)
                float m = 0;
                for (int di = -1; di <= 1; di++) for (int dj = -1; dj <= 1; dj++) m += prior.Mask[(i + di) * size + j + dj];
                int p = i * size + j;
                double err = Enumerable.Range(0, 3).Max(c => Math.Abs(render[3 * p + c] - member[3 * p + c]));
                if (m == 0)
                {
                    empty++;
                    Assert.True(Enumerable.Range(0, 3).All(c => render[3 * p + c] == 1f && member[3 * p + c] == 1f),
                        $"background pixel ({i},{j}) is not white");
                }
                else if (m == 9)
                {
                    interior++;
                    if (err < 0.02) close++;
                }
            }
        Assert.True(interior > 100 && empty > 100, $"{interior} interior, {empty} background pixels");
        // box edges between two visible faces may pick the other face's normal one sample inside the surface
        Assert.True(close >= 0.95 * interior, $"only {close} of {interior} object pixels within 0.02 of the member's normal image");
    }
}
