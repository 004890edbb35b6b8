using System.Numerics;
using DreamTime.Geometry;
using Xunit;

namespace DreamTime.Tests.Geometry;

public class MeshExtractionTests
{
    private static readonly (Vector3 Min, Vector3 Max) Bounds = (new Vector3(-1, -1, -0.5f), new Vector3(1, 1, 1.5f));

    // A big ball and a small floater; density positive inside either.
    private static float Density(Vector3 p) =>
        MathF.Max(0.5f - Vector3.Distance(p, new Vector3(0, 0, 0.4f)), 0.12f - Vector3.Distance(p, new Vector3(0.75f, 0.7f, 1.2f)));

    private static Vector3 Albedo(Vector3 p) => new((p.X + 1) / 2, (p.Y + 1) / 2, p.Z + 0.5f); // z + 0.5 exceeds 1 up top: clamped

    private static Func<float[], float[]> Batched(Func<Vector3, float> f, List<int> batchSizes) => xyz =>
    {
        batchSizes.Add(xyz.Length / 3);
        var d = new float[xyz.Length / 3];
        for (int i = 0; i < d.Length; i++) d[i] = f(new Vector3(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]));
        return d;
    };

    private static Func<float[], float[]> BatchedRgb(Func<Vector3, Vector3> f) => xyz =>
    {
        var rgb = new float[xyz.Length];
        for (int i = 0; i < xyz.Length / 3; i++)
        {
            var c = f(new Vector3(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]));
            rgb[3 * i] = c.X; rgb[3 * i + 1] = c.Y; rgb[3 * i + 2] = c.Z;
        }
        return rgb;
    };

    [Fact]
    public void MatchesMarchingCubesOnTheSampledGridAndColoursByAlbedo()
    {
        int r = 48;
        var batches = new List<int>();
        var result = MeshExtraction.Extract(Batched(Density, batches), BatchedRgb(Albedo), Bounds,
            new MeshExtractionOptions { Resolution = r, BatchSize = 5000 });

        // Batches cover the grid exactly, none larger than asked.
        Assert.Equal(r * r * r, batches.Sum());
        Assert.All(batches, b => Assert.InRange(b, 1, 5000));

        var direct = MarchingCubes.Extract(TestShapes.SampleGrid(r, Bounds, Density), r, r, r, Bounds, 0f);
        Assert.Equal(direct.Positions, result.Mesh.Positions);
        Assert.Equal(direct.Indices, result.Mesh.Indices);
        Assert.Equal(2, result.Mesh.CountComponents());

        for (int v = 0; v < result.Mesh.VertexCount; v++)
        {
            var expected = Vector3.Clamp(Albedo(result.Mesh.Position(v)), Vector3.Zero, Vector3.One);
            Assert.Equal(expected, result.Mesh.Color(v));
        }
        Assert.False(result.IsEmpty);
        Assert.True(result.DensityMax > 0.45f && result.DensityMin < -1);
        Assert.InRange(result.InsideFraction, 0.05, 0.08); // (4/3 pi 0.5^3 + floater) / 8 = 0.066
    }

    [Fact]
    public void KeepLargestComponentDropsTheFloater()
    {
        var result = MeshExtraction.Extract(Batched(Density, []), BatchedRgb(Albedo), Bounds,
            new MeshExtractionOptions { Resolution = 48, KeepLargestComponent = true });
        Assert.Equal(1, result.Mesh.CountComponents());
        Assert.Null(TestShapes.ClosedAndOriented(result.Mesh));
        for (int v = 0; v < result.Mesh.VertexCount; v++)
            Assert.True(MathF.Abs(Vector3.Distance(result.Mesh.Position(v), new Vector3(0, 0, 0.4f)) - 0.5f) < 0.03f);
        double volume = 4.0 / 3 * Math.PI * 0.125;
        Assert.InRange(result.Mesh.SignedVolume() / volume, 0.95, 1.05);
    }

    [Fact]
    public void EmptySurfaceIsReportedNotThrown()
    {
        int albedoCalls = 0;
        var result = MeshExtraction.Extract(Batched(p => -1 - p.Length(), []), xyz => { albedoCalls++; return new float[xyz.Length]; },
            Bounds,
            new MeshExtractionOptions { Resolution = 16, IsoLevel = 0.5f });
        Assert.True(result.IsEmpty);
        Assert.Equal(0, result.Mesh.VertexCount);
        Assert.Equal(0, albedoCalls);
        Assert.Equal(0, result.InsideFraction);
        Assert.True(result.DensityMax <= -1);
    }

    [Fact]
    public void WrongFieldOutputLengthIsCaught()
    {
        var options = new MeshExtractionOptions { Resolution = 8 };
        Assert.Throws<InvalidOperationException>(() => MeshExtraction.Extract(xyz => new float[1], BatchedRgb(Albedo), Bounds, options));
        Assert.Throws<InvalidOperationException>(() =>
            MeshExtraction.Extract(Batched(Density, []), xyz => new float[xyz.Length / 3], Bounds, options));
    }
}
