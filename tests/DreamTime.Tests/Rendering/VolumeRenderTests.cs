using System.Numerics;
using DreamTime.Rendering;
using DreamTime.Representations.Nerf;
using DreamTime.Runtime;
using DreamTime.Scenes;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Rendering;

public class VolumeRenderTests
{
    static VolumeRenderTests() => TorchRuntime.ConfigureAllocator();

    private static Tensor T64(double[] v, params long[] shape) => torch.tensor(v, shape, ScalarType.Float64);

    [Fact]
    public void OneOpaqueSampleGivesItsColourAndHidesTheRest()
    {
        var sigma = T64(new double[] { 0, 0, 1e4, 5, 5 }, 1, 5);
        var delta = torch.full(new long[] { 1, 5 }, Scalars.Of(0.1), ScalarType.Float64);
        var w = VolumeRenderer.Weights(sigma, delta);
        Assert.Equal(new[] { 0.0, 0.0, 1.0, 0.0, 0.0 }, w[0].data<double>().ToArray().Select(x => Math.Round(x, 12)));
        var colours = torch.rand(new long[] { 1, 5, 3 }, dtype: ScalarType.Float64, generator: new Generator(2));
        var rgb = (w.unsqueeze(2) * colours).sum(1);
        Assert.True(rgb.allclose(colours[.., 2], atol: 1e-12));
    }

    [Fact]
    public void WeightsMatchTheClosedFormAndNeverSumAboveOne()
    {
        // Constant density over the interval: opacity = 1 - exp(-sigma * length), whatever the sampling.
        var sigma = torch.full(new long[] { 1, 64 }, Scalars.Of(1.7), ScalarType.Float64);
        var delta = torch.full(new long[] { 1, 64 }, Scalars.Of(0.8 / 64), ScalarType.Float64);
        Assert.Equal(1 - Math.Exp(-1.7 * 0.8), VolumeRenderer.Weights(sigma, delta).sum().item<double>(), 12);

        var g = new Generator(5);
        var s = torch.rand(new long[] { 200, 32 }, dtype: ScalarType.Float64, generator: g).Times(50);
        var d = torch.rand(new long[] { 200, 32 }, dtype: ScalarType.Float64, generator: g).Times(0.1);
        var w = VolumeRenderer.Weights(s, d);
        Assert.True(w.min().item<double>() >= 0);
        Assert.True(w.sum(1).max().item<double>() <= 1 + 1e-12);
        // Transmittance telescopes: 1 - sum w = exp(-sum sigma delta)
        Assert.True(w.sum(1).SubtractedFrom(1).allclose(torch.exp(-(s * d).sum(1)), atol: 1e-12));
    }

    [Fact]
    public void CompositingGradientMatchesFiniteDifferences()
    {
        var g = new Generator(7);
        var sigma = torch.rand(new long[] { 3, 8 }, dtype: ScalarType.Float64, generator: g).Times(8).requires_grad_();
        var colour = torch.rand(new long[] { 3, 8, 3 }, dtype: ScalarType.Float64, generator: g).requires_grad_();
        var delta = torch.rand(new long[] { 3, 8 }, dtype: ScalarType.Float64, generator: g).Times(0.2).Plus(0.01);
        var bg = torch.rand(new long[] { 3, 3 }, dtype: ScalarType.Float64, generator: g);
        var coef = torch.randn(new long[] { 3, 3 }, dtype: ScalarType.Float64, generator: g);
        Tensor Loss()
        {
            var w = VolumeRenderer.Weights(sigma, delta);
            var rgb = (w.unsqueeze(2) * colour).sum(1).Plus(w.sum(1, keepdim: true).SubtractedFrom(1) * bg);
            return (rgb * coef).sum();
        }
        Loss().backward();
        const double h = 1e-6;
        foreach (var (param, name) in new[] { (sigma, "sigma"), (colour, "colour") })
        {
            var flat = param.detach().view(-1);
            var grad = param.grad!.view(-1);
            for (long i = 0; i < flat.shape[0]; i++)
            {
                double orig = flat[i].item<double>();
                double Eval(double v) { flat[i] = v; using (torch.no_grad()) return Loss().item<double>(); }
                double fd = (Eval(orig + h) - Eval(orig - h)) / (2 * h);
                Eval(orig);
                Assert.True(Math.Abs(fd - grad[i].item<double>()) <= 1e-7 * (1 + Math.Abs(fd)),
                    $"{name}[{i}]: analytic {grad[i].item<double>()} vs finite difference {fd}");
            }
        }
    }

    [Fact]
    public void RaysMeetSphereAndCubeWhereExpected()
    {
        var o = T64(new double[] { 0, 0, -3, 0, 0, -3, 0.5, 0.5, -3, 0, 0, 0 }, 4, 3);
        var d = T64(new double[] { 0, 0, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0 }, 4, 3);
        var (near, far, hit) = RayBounds.Intersect(o, d, "sphere", 1.0);
        Assert.Equal(new[] { true, false, true, true }, hit.data<bool>().ToArray());
        Assert.Equal(2.0, near[0].item<double>(), 12);
        Assert.Equal(4.0, far[0].item<double>(), 12);
        double chord = Math.Sqrt(1 - 0.5);
        Assert.Equal(3 - chord, near[2].item<double>(), 12);
        Assert.Equal(3 + chord, far[2].item<double>(), 12);
        Assert.Equal(0.0, near[3].item<double>(), 12);   // starts inside: from the origin
        Assert.Equal(1.0, far[3].item<double>(), 12);

        (near, far, hit) = RayBounds.Intersect(o, d, "cube", 1.0);
        Assert.Equal(new[] { true, false, true, true }, hit.data<bool>().ToArray());
        Assert.Equal(2.0, near[2].item<double>(), 12);
        Assert.Equal(4.0, far[2].item<double>(), 12);
        var diag = T64(new double[] { 1, 1, 1 }, 1, 3).DividedBy(Math.Sqrt(3));
        (near, far, hit) = RayBounds.Intersect(diag.Times(-3), diag, "cube", 1.0);
        Assert.Equal(3 - Math.Sqrt(3), near[0].item<double>(), 12);
        Assert.Equal(3 + Math.Sqrt(3), far[0].item<double>(), 12);
    }

    [Fact]
    public void StratifiedSamplesStayInTheirBins()
    {
        var near = T64(new double[] { 1, 2 }, 2);
        var far = T64(new double[] { 3, 2.5 }, 2);
        var (mid, delta) = VolumeRenderer.Stratified(near, far, 4, null);
        Assert.True(mid[0].allclose(T64(new double[] { 1.25, 1.75, 2.25, 2.75 }, 4)));
        Assert.True(delta[1].allclose(torch.full(4, Scalars.Of(0.125), ScalarType.Float64)));
        var (t, _) = VolumeRenderer.Stratified(near, far, 4, new Generator(3));
        var bin = ((t - near.unsqueeze(1)) / (far - near).DividedBy(4).unsqueeze(1)).floor();
        Assert.True(bin.allclose(ScalarArithmetic.Arange(4, ScalarType.Float64).expand(2, 4), rtol: 0, atol: 0));
    }

    /// <summary>An opaque ball of one albedo, with exact normals: the renderer must give the shaded ball on the background.</summary>
    private sealed class Ball(double radius, double[] albedo) : IVolumeField
    {
        public FieldDensity Density(Tensor points)
        {
            using var r = radius.ToScalar();
            return new(torch.where(points.norm(1).lt(r), 1e4, 0.0).to(points.dtype), points, null);
        }

        public (Tensor Albedo, Tensor? Normal) Appearance(FieldDensity density, Tensor index, bool normals)
        {
            var p = density.Points.index_select(0, index);
            var a = torch.tensor(albedo, dtype: p.dtype).expand(p.shape[0], 3);
            return (a, normals ? p / p.norm(1).clamp_min(Scalars.Of(1e-9)).unsqueeze(1) : null);
        }
    }

    [Fact]
    public void RendersAnOpaqueBallWithDiffuseShadingOverTheBackground()
    {
        var renderer = new VolumeRenderer(256, "sphere", 1.0);
        var albedo = new[] { 0.8, 0.4, 0.2 };
        var bgColour = new[] { 0.1, 0.9, 0.3 };
        var cam = new Camera(20, 30, 2.5, 45);
        var light = Lighting.Default;
        var out_ = renderer.Render(new Ball(0.5, albedo), d => torch.tensor(bgColour, dtype: d.dtype).expand(d.shape[0], 3),
            new[] { cam }, 17, 17, ShadingMode.Diffuse, light, null, normals: true, CPU, ScalarType.Float64);
        Assert.Equal(new long[] { 1, 17, 17, 3 }, out_.Rgb.shape);
        Assert.Equal(new long[] { 1, 17, 17, 1 }, out_.Opacity.shape);
        // Centre pixel: the ray hits the ball at distance 2.5 - 0.5 facing the camera.
        Assert.Equal(1.0, out_.Opacity[0, 8, 8, 0].item<double>(), 6);
        var (px, py, pz) = cam.Position;
        var n = new[] { px / 2.5, py / 2.5, pz / 2.5 };
        double lambert = Math.Max(0, n[0] * light.DirX + n[1] * light.DirY + n[2] * light.DirZ);
        for (int c = 0; c < 3; c++)
            Assert.Equal(albedo[c] * (light.Ambient + light.Diffuse * lambert), out_.Rgb[0, 8, 8, c].item<double>(), 2);
        Assert.Equal(2.0, out_.Depth[0, 8, 8, 0].item<double>(), 2);
        // Corner pixel misses the ball: background only, opacity 0.
        Assert.Equal(0.0, out_.Opacity[0, 0, 0, 0].item<double>(), 12);
        for (int c = 0; c < 3; c++) Assert.Equal(bgColour[c], out_.Rgb[0, 0, 0, c].item<double>(), 12);
        // Visible normals face the camera, so the orientation loss vanishes; the sharp ball has near-binary opacity.
        Assert.True(out_.Extra(VolumeRenderer.OrientationExtra).item<double>() < 1e-6);
        Assert.True(NerfRegularizers.OpacityEntropy(out_.Opacity).item<double>() < 0.2);
        // Textureless: white albedo under the same light.
        var tex = renderer.Render(new Ball(0.5, albedo), d => torch.zeros(d.shape[0], 3, dtype: d.dtype),
            new[] { cam }, 17, 17, ShadingMode.Textureless, light, null, normals: true, CPU, ScalarType.Float64);
        Assert.Equal(light.Ambient + light.Diffuse * lambert, tex.Rgb[0, 8, 8, 1].item<double>(), 2);
    }

    [Fact]
    public void EmptySpaceShowsTheBackground()
    {
        var renderer = new VolumeRenderer(16, "cube", 1.0);
        var r = renderer.Render(new Ball(0.0, new[] { 1.0, 0, 0 }), d => d.Plus(1).DividedBy(2),
            new[] { new Camera(0, 0, 2, 40), new Camera(45, 90, 2.2, 50) }, 6, 5, ShadingMode.Albedo, Lighting.Default, new Generator(1),
            normals: false, CPU);
        var (_, dirs) = VolumeRenderer.CameraRays(new[] { new Camera(0, 0, 2, 40), new Camera(45, 90, 2.2, 50) }, 6, 5, CPU);
        Assert.True(r.Rgb.allclose(dirs.Plus(1).DividedBy(2).view(2, 6, 5, 3), atol: 1e-6));
        Assert.Equal(0.0, r.Opacity.abs().max().item<float>());
        Assert.Equal(0.0, r.Extra(VolumeRenderer.OrientationExtra).item<float>());
    }

    [Fact]
    public void ReproducesTheBuiltInPriorsAnalyticRender()
    {
        // A correct albedo and geometry must give the prior's own image: same rays, same light, same formula.
        var scene = new SceneBuilder()
            .Sphere(new Vector3(0.3f, -0.2f, 0.25f), 0.3f, new Vector3(0.9f, 0.3f, 0.2f))
            .Box(new Vector3(-0.3f, 0.25f, -0.1f), new Vector3(0.25f, 0.15f, 0.2f), new Vector3(0.2f, 0.6f, 0.9f))
            .Build();
        var cam = new Camera(25, 40, 2.2, 45);
        const int size = 48;
        var prior = new SdfRenderer().Render(scene, cam, size, size);
        var nerf = new VolumeRenderer(256, "sphere", 1.0).Render(new SdfVolume(scene), d => torch.ones(d.shape[0], 3, dtype: d.dtype),
            new[] { cam }, size, size, ShadingMode.Diffuse, Lighting.Default, null, normals: true, CPU);
        var rgb = nerf.Rgb[0].data<float>().ToArray();
        var opacity = nerf.Opacity[0].data<float>().ToArray();
        int interior = 0, close = 0, empty = 0;
        for (int i = 1; i < size - 1; i++)
            for (int j = 1; j < size - 1; j++)
            {
                // Pixels whose 3x3 neighbourhood is all object or all background (silhouettes depend on sampling).
                float m = 0;
                for (int di = -1; di <= 1; di++) for (int dj = -1; dj <= 1; dj++) m += prior.Mask[(i + di) * size + j + dj];
                int p = i * size + j;
                double err = Enumerable.Range(0, 3).Max(c => Math.Abs(rgb[3 * p + c] - prior.Rgb[3 * p + c]));
                if (m == 0)
                {
                    empty++;
                    Assert.True(opacity[p] == 0 && err < 1e-6, $"background pixel ({i},{j}): opacity {opacity[p]}, colour error {err}");
                }
                else if (m == 9)
                {
                    interior++;
                    Assert.True(opacity[p] > 0.999, $"object pixel ({i},{j}): opacity {opacity[p]}");
                    if (err < 0.02) close++;
                }
            }
        Assert.True(interior > 100 && empty > 100, $"{interior} interior, {empty} background pixels");
        // Box edges between two visible faces may pick the other face's normal one sample inside the surface.
        Assert.True(close >= 0.95 * interior, $"only {close} of {interior} object pixels within 0.02 of the prior's colour");
    }
}
