using System.Numerics;
using DreamTime.Geometry;
using Xunit;

namespace DreamTime.Tests.Geometry;

public class MeshTests
{
    // Unit cube [0,1]^3 with 8 shared vertices, 12 triangles wound counter-clockwise seen from outside.
    private static readonly float[] CubeCorners = [0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1];
    private static readonly int[] CubeTriangles =
    [
        0, 2, 1, 1, 2, 3, // z = 0, normal -z
        4, 5, 6, 5, 7, 6, // z = 1, normal +z
        0, 1, 4, 1, 5, 4, // y = 0, normal -y
        2, 6, 3, 3, 6, 7, // y = 1, normal +y
        0, 4, 2, 2, 4, 6, // x = 0, normal -x
        1, 3, 5, 3, 7, 5, // x = 1, normal +x
    ];

    private static Mesh Cube(float scale = 1, Vector3 offset = default)
    {
        var p = new float[CubeCorners.Length];
        for (int i = 0; i < p.Length; i++) p[i] = CubeCorners[i] * scale + offset[i % 3];
        return new Mesh(p, (int[])CubeTriangles.Clone());
    }

    [Fact]
    public void CubeMeasures()
    {
        var cube = Cube(2, new Vector3(1, -3, 0.5f));
        Assert.Equal((new Vector3(1, -3, 0.5f), new Vector3(3, -1, 2.5f)), cube.BoundingBox());
        Assert.Equal(24, cube.SurfaceArea(), 1e-9);
        Assert.Equal(8, cube.SignedVolume(), 1e-9); // independent of where the origin is
        Assert.Null(TestShapes.ClosedAndOriented(cube));
        for (int f = 0; f < cube.TriangleCount; f++)
        {
            var (a, b, c) = cube.Triangle(f);
            var centroid = (cube.Position(a) + cube.Position(b) + cube.Position(c)) / 3;
            Assert.True(Vector3.Dot(cube.FaceNormal(f), centroid - new Vector3(2, -2, 1.5f)) > 0, $"face {f} points in");
        }
        Assert.All(cube.Colors, c => Assert.Equal(Mesh.DefaultGrey, c));
    }

    [Fact]
    public void FlippedWindingNegatesVolume()
    {
        var tri = (int[])CubeTriangles.Clone();
        for (int f = 0; f < tri.Length; f += 3) (tri[f + 1], tri[f + 2]) = (tri[f + 2], tri[f + 1]);
        Assert.Equal(-1, new Mesh(CubeCorners, tri).SignedVolume(), 1e-9);
    }

    [Fact]
    public void VertexNormalsOfCubeCornerPointDiagonally()
    {
        var normals = Cube().ComputeVertexNormals();
        // Corner 7 = (1,1,1) is in one triangle (area 1/2) on each of the faces x, y, z = 1.
        var n7 = new Vector3(normals[21], normals[22], normals[23]);
        Assert.True(Vector3.Distance(Vector3.Normalize(Vector3.One), n7) < 1e-6f, $"{n7}");
    }

    [Fact]
    public void RemoveDegenerateTrianglesDropsRepeatedAndFlatOnes()
    {
        var positions = CubeCorners.Concat(new float[] { 0.5f, 0, 0 }).ToArray(); // vertex 8 on the edge 0-1
        var indices = CubeTriangles.Concat(new[] { 0, 0, 3, 0, 8, 1 }).ToArray();
        var mesh = new Mesh(positions, indices);
        var clean = mesh.RemoveDegenerateTriangles();
        Assert.Equal(12, clean.TriangleCount);
        Assert.Equal(CubeTriangles, clean.Indices);
        Assert.Equal(mesh.VertexCount, clean.VertexCount);
        Assert.Equal(14, mesh.TriangleCount); // input untouched
    }

    [Fact]
    public void MergeDuplicateVerticesWeldsAFaceSplitCube()
    {
        // Each triangle gets its own three vertices (36), coloured by triangle; welding brings back 8 corners.
        var positions = new float[36 * 3];
        var colors = new float[36 * 3];
        var indices = new int[36];
        for (int i = 0; i < 36; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                positions[3 * i + k] = CubeCorners[3 * CubeTriangles[i] + k] + (i % 2 == 0 ? 1e-7f : 0); // within tolerance
                colors[3 * i + k] = (i / 3) / 11f; // grey level = triangle number / 11
            }
            indices[i] = i;
        }
        var split = new Mesh(positions, indices, colors);
        Assert.NotNull(TestShapes.ClosedAndOriented(split));
        var welded = split.MergeDuplicateVertices(1e-4f);
        Assert.Equal(8, welded.VertexCount);
        Assert.Equal(12, welded.TriangleCount);
        Assert.Null(TestShapes.ClosedAndOriented(welded));
        Assert.Equal(1, welded.SignedVolume(), 1e-5);
        // Corner 0 is used by triangles 0, 4 and 8 of CubeTriangles: its colour is their mean, 12 / 33.
        int corner0 = Enumerable.Range(0, 8).Single(v => welded.Position(v).Length() < 1e-3f);
        Assert.Equal(12f / 33, welded.Color(corner0).X, 1e-6f);
    }

    [Fact]
    public void KeepLargestComponentKeepsTheBiggerCube()
    {
        var big = Cube(2);
        var small = Cube(0.5f, new Vector3(5, 0, 0));
        // Put a subdivided big cube (more triangles) second, so the winner is not simply the first one met.
        var bigSplit = SubdivideOnce(big);
        var both = Concat(small, bigSplit);
        Assert.Equal(2, both.CountComponents());
        var kept = both.KeepLargestComponent();
        Assert.Equal(1, kept.CountComponents());
        Assert.Equal(bigSplit.TriangleCount, kept.TriangleCount);
        Assert.Equal(bigSplit.VertexCount, kept.VertexCount);
        Assert.Equal(8, kept.SignedVolume(), 1e-5);
    }

    [Fact]
    public void WithColorsClampsAndCompactDropsUnusedVertices()
    {
        var positions = CubeCorners.Concat(new float[] { 9, 9, 9 }).ToArray();
        var colors = Enumerable.Range(0, 27).Select(i => i % 3 == 0 ? -1f : i % 3 == 1 ? 2f : float.NaN).ToArray();
        var mesh = new Mesh(positions, CubeTriangles).WithColors(colors);
        Assert.Equal(new Vector3(0, 1, 0), mesh.Color(4));
        var compact = mesh.Compact();
        Assert.Equal(8, compact.VertexCount);
        Assert.Equal(CubeTriangles, compact.Indices);
    }

    [Fact]
    public void RejectsInconsistentArrays()
    {
        Assert.Throws<ArgumentException>(() => new Mesh([0, 0], []));
        Assert.Throws<ArgumentException>(() => new Mesh([0, 0, 0], [0, 0, 1]));
        Assert.Throws<ArgumentException>(() => new Mesh([0, 0, 0], [0, 0, 0], colors: [1]));
    }

    private static Mesh Concat(Mesh a, Mesh b) =>
        new(a.Positions.Concat(b.Positions).ToArray(),
            a.Indices.Concat(b.Indices.Select(i => i + a.VertexCount)).ToArray(),
            a.Colors.Concat(b.Colors).ToArray());

    // Splits every triangle into three around its centroid (same surface, more triangles).
    private static Mesh SubdivideOnce(Mesh m)
    {
        var positions = m.Positions.ToList();
        var indices = new List<int>();
        for (int f = 0; f < m.TriangleCount; f++)
        {
            var (a, b, c) = m.Triangle(f);
            var centroid = (m.Position(a) + m.Position(b) + m.Position(c)) / 3;
            int g = positions.Count / 3;
            positions.AddRange([centroid.X, centroid.Y, centroid.Z]);
            indices.AddRange([a, b, g, b, c, g, c, a, g]);
        }
        return new Mesh(positions.ToArray(), indices.ToArray());
    }
}
