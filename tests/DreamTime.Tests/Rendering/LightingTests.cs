using System.Numerics;
using DreamTime.Rendering;
using DreamTime.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Rendering;

public class LightingTests
{
    static LightingTests() => TorchRuntime.ConfigureAllocator();

    private static Vector3 UnitVector(Random rng)
    {
        // Normalised Gaussians are uniform on the sphere, so about half the normals face away from the light.
        double x = Gaussian(rng), y = Gaussian(rng), z = Gaussian(rng), n = Math.Sqrt(x * x + y * y + z * z);
        return new Vector3((float)(x / n), (float)(y / n), (float)(z / n));
    }

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>The shading formula written out in doubles, independently of both forms under test.</summary>
    private static double[] Expected(Lighting l, Vector3 albedo, Vector3 n, ShadingMode mode)
    {
        double intensity = l.Ambient + l.Diffuse * Math.Max(0, n.X * l.DirX + n.Y * l.DirY + n.Z * l.DirZ);
        return mode switch
        {
            ShadingMode.Albedo => [albedo.X, albedo.Y, albedo.Z],
            ShadingMode.Textureless => [intensity, intensity, intensity],
            _ => [albedo.X * intensity, albedo.Y * intensity, albedo.Z * intensity],
        };
    }

    [Theory]
    [InlineData(ShadingMode.Albedo)]
    [InlineData(ShadingMode.Diffuse)]
    [InlineData(ShadingMode.Textureless)]
    public void ScalarAndTensorFormsAgreeWithTheFormulaOnRandomInputs(ShadingMode mode)
    {
        var rng = new Random(11);
        const int n = 500;
        var lights = new[]
        {
            Lighting.Default,
            Lighting.Create(0.25, 0.9, -0.3, 0.8, 0.1),
            Lighting.Create(rng.NextDouble(), 2 * rng.NextDouble(), Gaussian(rng), Gaussian(rng), Gaussian(rng)),
        };
        foreach (var light in lights)
        {
            var albedo = Enumerable.Range(0, n).Select(_ => new Vector3(rng.NextSingle(), rng.NextSingle(), rng.NextSingle())).ToArray();
            var normal = Enumerable.Range(0, n).Select(_ => UnitVector(rng)).ToArray();
            var l = new Vector3((float)light.DirX, (float)light.DirY, (float)light.DirZ);
            int unlit = normal.Count(v => Vector3.Dot(v, l) < 0);
            Assert.InRange(unlit, n / 4, 3 * n / 4);

            foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
            {
                using var scope = torch.NewDisposeScope();
                var albedoT = torch.tensor(albedo.SelectMany(v => new[] { v.X, v.Y, v.Z }).ToArray(), [n, 3]).to(dtype);
                var normalT = torch.tensor(normal.SelectMany(v => new[] { v.X, v.Y, v.Z }).ToArray(), [n, 3]).to(dtype);
                var tensor = light.Shade(albedoT, normalT, mode).to(ScalarType.Float64).contiguous().data<double>().ToArray();
                Assert.Equal(3 * n, tensor.Length);
                for (int i = 0; i < n; i++)
                {
                    var scalar = light.Shade(albedo[i], normal[i], mode);
                    var expected = Expected(light, albedo[i], normal[i], mode);
                    double tolerance = dtype == ScalarType.Float64 ? 1e-12 : 1e-6;
                    for (int c = 0; c < 3; c++)
                    {
                        Assert.Equal(expected[c], scalar[c], 1e-6);
                        Assert.Equal(expected[c], tensor[3 * i + c], tolerance);
                        if (dtype == ScalarType.Float32) Assert.Equal(scalar[c], tensor[3 * i + c], 1e-6);
                    }
                }
            }
        }
    }

    [Fact]
    public void TensorFormNeedsNormalsUnlessShadingIsAlbedo()
    {
        var albedo = torch.rand(4, 3);
        Assert.Same(albedo, Lighting.Default.Shade(albedo, null, ShadingMode.Albedo));
        Assert.Throws<ArgumentException>(() => Lighting.Default.Shade(albedo, null, ShadingMode.Diffuse));
        Assert.Throws<ArgumentException>(() => Lighting.Default.Shade(albedo, null, ShadingMode.Textureless));
    }
}
