using DreamTime.Rendering;
using DreamTime.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Rendering;

public class PbrShadingTests
{
    private static Tensor Col(params double[] v) => tensor(v, new long[] { v.Length, 1 }, ScalarType.Float64);

    [Fact]
    public void TheEnvironmentBrdfFitHasKarisValues()
    {
        // roughness 1, n.v = 1: r = (0, 0.015, 0.468, -0.018), a004 = 0.015, A = 0.4524, B = -0.0024
        var (a, b) = PbrShading.EnvironmentBrdf(Col(1.0), Col(1.0));
        Assert.Equal(0.4524, a.ReadDouble(), 10);
        Assert.Equal(-0.0024, b.ReadDouble(), 10);
        // roughness 0 at grazing n.v = 0: a004 = min(1, 1) * 1 - 0.0275 + 0.0425... = 1.0425 - ... (r1 = 0.0425): A = 1.04 - 1.04 * 1.0425
        var (a0, b0) = PbrShading.EnvironmentBrdf(Col(0.0), Col(0.0));
        Assert.Equal(1.04 - 1.04 * 1.0425, a0.ReadDouble(), 10);
        Assert.Equal(1.04 * 1.0425 - 0.04, b0.ReadDouble(), 10);
    }

    [Fact]
    public void ARoughDielectricIsLambertPlusALittleSkyAndAMetalTakesItsColourFromTheSky()
    {
        var light = Lighting.Default;
        var gen = manual_seed(5);
        int n = 200;
        var normal = randn(n, 3, ScalarType.Float64);
        normal = normal / normal.norm(1, keepdim: true);
        var toEye = randn(n, 3, ScalarType.Float64);
        toEye = toEye / toEye.norm(1, keepdim: true);
        // keep points the eye sees
        var facing = (normal * toEye).sum(1, keepdim: true).sign();
        normal = normal * facing;
        var albedo = rand(n, 3, ScalarType.Float64).Times(0.8);
        var lambert = light.Shade(albedo, normal, ShadingMode.Diffuse).clamp(Scalars.Of(0), Scalars.One);
        var rough = PbrShading.Shade(albedo, full(n, 1, Scalars.Of(0.9), ScalarType.Float64), zeros(n, 1, ScalarType.Float64), normal,
            toEye, light);
        var extra = (rough - lambert).data<double>().ToArray();
        Assert.All(extra, e => Assert.InRange(e, -1e-9, 0.12));
        Assert.True(extra.Average() < 0.05);
        // a black dielectric shows only reflection; a black metal no diffuse light either, only the Fresnel rim and sky's B term
        var black = PbrShading.Shade(zeros(n, 3, ScalarType.Float64), full(n, 1, Scalars.Of(0.9), ScalarType.Float64),
            zeros(n, 1, ScalarType.Float64), normal, toEye, light);
        Assert.True(black.max().ReadDouble() < 0.12);
        var metal = PbrShading.Shade(albedo, full(n, 1, Scalars.Of(0.9), ScalarType.Float64), ones(n, 1, ScalarType.Float64), normal,
            toEye, light);
        var dark = PbrShading.Shade(zeros(n, 3, ScalarType.Float64), full(n, 1, Scalars.Of(0.9), ScalarType.Float64),
            ones(n, 1, ScalarType.Float64), normal, toEye, light);
        Assert.True(dark.mean().ReadDouble() < 0.05);
        Assert.True((metal - lambert).abs().mean().ReadDouble() > 0.05);
        _ = gen;
    }
}
