using System.Numerics;
using DreamTime.Geometry;
using DreamTime.Runtime;
using TorchSharp;
using Xunit;

namespace DreamTime.Tests.Geometry;

public class TetGridTests
{
    private static double[] Doubles(torch.Tensor t) => t.to(torch.ScalarType.Float64).data<double>().ToArray();

    private static long[] Longs(torch.Tensor t) => t.data<long>().ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void CountsAndCornersFollowTheResolution(int n)
    {
        var min = new Vector3(-1, -0.5f, 0.25f);
        var max = new Vector3(2, 0.5f, 1.25f);
        using var grid = TetGrid.Box(n, min, max);
        Assert.Equal(new long[] { (n + 1L) * (n + 1) * (n + 1), 3 }, grid.Vertices.shape);
        Assert.Equal(new long[] { 6L * n * n * n, 4 }, grid.Tets.shape);
        Assert.Equal(torch.ScalarType.Float32, grid.Vertices.dtype);
        Assert.Equal(torch.ScalarType.Int64, grid.Tets.dtype);
        var v = Doubles(grid.Vertices);
        // vertex (i, j, k) sits at min + (i, j, k) (max - min) / n, x slowest
        int side = n + 1;
        for (int i = 0; i <= n; i++)
            for (int j = 0; j <= n; j++)
                for (int k = 0; k <= n; k++)
                {
                    int index = (i * side + j) * side + k;
                    Assert.Equal(min.X + i * (max.X - min.X) / n, v[3 * index], 5);
                    Assert.Equal(min.Y + j * (max.Y - min.Y) / n, v[3 * index + 1], 5);
                    Assert.Equal(min.Z + k * (max.Z - min.Z) / n, v[3 * index + 2], 5);
                }
        var t = Longs(grid.Tets);
        Assert.All(t, i => Assert.InRange(i, 0, grid.VertexCount - 1));
    }

    [Fact]
    public void EveryTetIsPositivelyOrientedAndTogetherTheyFillTheBox()
    {
        var min = new Vector3(-1, -2, 0);
        var max = new Vector3(1, 1, 0.5f);
        using var grid = TetGrid.Box(3, min, max);
        var v = Doubles(grid.Vertices);
        var t = Longs(grid.Tets);
        double total = 0;
        for (int f = 0; f < t.Length / 4; f++)
        {
            double det = Determinant(v, t, f);
            Assert.True(det > 0, $"tet {f} has determinant {det}");
            total += det / 6;
        }
        Assert.Equal((max.X - min.X) * (max.Y - min.Y) * (max.Z - min.Z), total, 9);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void InteriorFacesAreSharedByTwoTetsOnEitherSideAndTheRestLieOnTheBox(int n)
    {
        using var grid = TetGrid.Cube(n, 1.0);
        var v = Doubles(grid.Vertices);
        var t = Longs(grid.Tets);
        var faces = new Dictionary<(long, long, long), List<long>>();
        for (int f = 0; f < t.Length / 4; f++)
            for (int skip = 0; skip < 4; skip++)
            {
                var face = Enumerable.Range(0, 4).Where(c => c != skip).Select(c => t[4 * f + c]).Order().ToArray();
                var key = (face[0], face[1], face[2]);
                if (!faces.TryGetValue(key, out var opposite)) faces[key] = opposite = [];
                opposite.Add(t[4 * f + skip]);
            }
        int boundary = 0;
        foreach (var ((a, b, c), opposite) in faces)
        {
            Assert.InRange(opposite.Count, 1, 2);
            if (opposite.Count == 2)
            {
                // the two tets lie on opposite sides of the face: no overlap, no gap
                double sideOne = Orientation(v, a, b, c, opposite[0]), sideTwo = Orientation(v, a, b, c, opposite[1]);
                Assert.True(sideOne * sideTwo < 0, $"face {a},{b},{c}: both tets on one side");
                continue;
            }
            boundary++;
            bool onBox = Enumerable.Range(0, 3).Any(axis =>
                new[] { a, b, c }.All(p => Math.Abs(Math.Abs(v[3 * p + axis]) - 1) < 1e-6)
                && new[] { a, b, c }.Select(p => Math.Sign(v[3 * p + axis])).Distinct().Count() == 1);
            Assert.True(onBox, $"face {a},{b},{c} has one tet but is inside the box");
        }
        Assert.Equal(6 * n * n * 2, boundary);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void EdgesAreExactlyTheTetsUniqueEdges(int n)
    {
        using var grid = TetGrid.Cube(n, 0.5);
        var t = Longs(grid.Tets);
        var expected = new HashSet<(long, long)>();
        for (int f = 0; f < t.Length / 4; f++)
            for (int p = 0; p < 4; p++)
                for (int q = p + 1; q < 4; q++)
                    expected.Add((Math.Min(t[4 * f + p], t[4 * f + q]), Math.Max(t[4 * f + p], t[4 * f + q])));
        var e = Longs(grid.Edges());
        var actual = Enumerable.Range(0, e.Length / 2).Select(i => (e[2 * i], e[2 * i + 1])).ToList();
        Assert.All(actual, x => Assert.True(x.Item1 < x.Item2));
        Assert.Equal(actual.Count, actual.Distinct().Count());
        Assert.True(expected.SetEquals(actual));
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TetGrid.Cube(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TetGrid.Cube(4, -1));
        Assert.Throws<ArgumentException>(() => TetGrid.Box(4, new Vector3(0), new Vector3(1, 0, 1)));
    }

    [Theory]
    [InlineData(1, 6)]
    [InlineData(2, 12)]
    [InlineData(3, 20)]
    public void MarchingTheCandidateTetsGivesTheSurfaceOfAllTets(int seed, int n)
    {
        using var grid = TetGrid.Box(n, new Vector3(-1, -0.8f, -0.6f), new Vector3(1, 0.7f, 0.9f));
        // a noisy ball, so that some cubes are crossed and most are not, with exact zeros here and there
        var p = grid.Vertices;
        var noise = torch.rand(grid.VertexCount, generator: new torch.Generator((ulong)seed)).Times(0.3).Minus(0.15);
        var sdf = (p - torch.tensor(new[] { 0.1f, -0.1f, 0.2f })).Squared().sum(1).sqrt().Minus(0.5).Plus(noise);
        var zero = torch.rand(grid.VertexCount, generator: new torch.Generator((ulong)seed + 9)).lt(Scalars.Of(0.02));
        sdf = torch.where(zero, torch.zeros_like(sdf), sdf);
        var candidates = grid.CandidateTets(sdf);
        Assert.InRange(candidates.shape[0], 1, grid.TetCount - 1);
        var (allPositions, allFaces) = MarchingTetrahedra.Extract(p, sdf, grid.Tets);
        var (positions, faces) = MarchingTetrahedra.Extract(p, sdf, grid.Tets.index_select(0, candidates));
        Assert.True(allFaces.shape[0] > 0);
        Assert.Equal(Longs(allFaces.contiguous()), Longs(faces.contiguous()));
        Assert.Equal(Doubles(allPositions), Doubles(positions));
    }

    private static double Determinant(double[] v, long[] t, int f)
    {
        long a = t[4 * f], b = t[4 * f + 1], c = t[4 * f + 2], d = t[4 * f + 3];
        return Orientation(v, a, b, c, d);
    }

    /// <summary>det(b - a, c - a, d - a).</summary>
    private static double Orientation(double[] v, long a, long b, long c, long d)
    {
        double[] u = [v[3 * b] - v[3 * a], v[3 * b + 1] - v[3 * a + 1], v[3 * b + 2] - v[3 * a + 2]];
        double[] w = [v[3 * c] - v[3 * a], v[3 * c + 1] - v[3 * a + 1], v[3 * c + 2] - v[3 * a + 2]];
        double[] x = [v[3 * d] - v[3 * a], v[3 * d + 1] - v[3 * a + 1], v[3 * d + 2] - v[3 * a + 2]];
        return u[0] * (w[1] * x[2] - w[2] * x[1]) - u[1] * (w[0] * x[2] - w[2] * x[0]) + u[2] * (w[0] * x[1] - w[1] * x[0]);
    }
}
