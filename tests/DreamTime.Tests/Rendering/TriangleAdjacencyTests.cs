using DreamTime.Rendering;
using Xunit;

namespace DreamTime.Tests.Rendering;

public class TriangleAdjacencyTests
{
    /// <summary>Random faces over few vertices, so edges are shared by one, two or more faces, with degenerate and
    /// repeated faces among them, checked against a search of every face for every edge.</summary>
    [Theory]
    [InlineData(0, 6, 12)]
    [InlineData(1, 12, 60)]
    [InlineData(2, 40, 300)]
    [InlineData(3, 200, 400)]
    public void EachEdgeFindsTheOneOtherFaceThatSharesIt(int seed, int vertices, int faceCount)
    {
        var rng = new Random(seed);
        var faces = new int[3 * faceCount];
        for (int i = 0; i < faces.Length; i++) faces[i] = rng.Next(vertices);
        var adjacency = TriangleAdjacency.Of(faces, vertices);

        bool Degenerate(int t) => faces[3 * t] == faces[3 * t + 1] || faces[3 * t + 1] == faces[3 * t + 2] ||
            faces[3 * t + 2] == faces[3 * t];
        bool Has(int t, int v) => faces[3 * t] == v || faces[3 * t + 1] == v || faces[3 * t + 2] == v;
        int pairsExpected = 0;
        for (int t = 0; t < faceCount; t++)
            for (int k = 0; k < 3; k++)
            {
                int u = faces[3 * t + (k + 1) % 3], w = faces[3 * t + (k + 2) % 3];
                var sharing = Degenerate(t) ? []
                    : Enumerable.Range(0, faceCount).Where(s => !Degenerate(s) && Has(s, u) && Has(s, w)).ToList();
                int expectedFace = sharing.Count == 2 ? sharing.Single(s => s != t) : -1;
                Assert.Equal(expectedFace, adjacency.OppositeFace[3 * t + k]);
                if (expectedFace < 0)
                {
                    Assert.Equal(-1, adjacency.Opposite[3 * t + k]);
                    continue;
                }
                int third = Enumerable.Range(0, 3).Select(c => faces[3 * expectedFace + c]).Single(v => v != u && v != w);
                Assert.Equal(third, adjacency.Opposite[3 * t + k]);
                if (expectedFace > t) pairsExpected++;
            }
        var (a, b) = adjacency.FacePairs();
        Assert.Equal(pairsExpected, a.Length);
        Assert.All(Enumerable.Range(0, a.Length), i => Assert.True(a[i] < b[i]));
    }

    [Fact]
    public void AHubVertexWithManyFacesPairsItsFanNeighbours()
    {
        // a closed fan of n faces around vertex 0: every spoke is shared by two faces, every rim edge by one
        const int n = 5000;
        var faces = new int[3 * n];
        for (int t = 0; t < n; t++) (faces[3 * t], faces[3 * t + 1], faces[3 * t + 2]) = (0, 1 + t, 1 + (t + 1) % n);
        var adjacency = TriangleAdjacency.Of(faces, n + 1);
        for (int t = 0; t < n; t++)
        {
            Assert.Equal(-1, adjacency.OppositeFace[3 * t]);
            Assert.Equal((t + 1) % n, adjacency.OppositeFace[3 * t + 1]);
            Assert.Equal((t + n - 1) % n, adjacency.OppositeFace[3 * t + 2]);
        }
        Assert.Equal(n, adjacency.FacePairs().A.Length);
    }
}
