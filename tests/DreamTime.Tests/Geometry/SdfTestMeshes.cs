using System.Numerics;
using Mesh = DreamTime.Geometry.Mesh;

namespace DreamTime.Tests.Geometry;

/// <summary>Closed, outward-wound meshes with closed-form signed distances, for the mesh SDF and mesh file tests.</summary>
internal static class SdfTestMeshes
{
    /// <summary>An axis-aligned box as 12 triangles.</summary>
    public static Mesh Box(Vector3 centre, Vector3 half)
    {
        var positions = new List<float>();
        for (int c = 0; c < 8; c++)
        {
            var p = centre + half * new Vector3((c & 4) != 0 ? 1 : -1, (c & 2) != 0 ? 1 : -1, (c & 1) != 0 ? 1 : -1);
            positions.AddRange([p.X, p.Y, p.Z]);
        }
        // each face as a quad (corner bits 4 x + 2 y + z), counter-clockwise seen from outside
        int[][] quads = [[0, 1, 3, 2], [4, 6, 7, 5], [0, 4, 5, 1], [2, 3, 7, 6], [0, 2, 6, 4], [1, 5, 7, 3]];
        var indices = quads.SelectMany(q => new[] { q[0], q[1], q[2], q[0], q[2], q[3] }).ToArray();
        return new Mesh(positions.ToArray(), indices);
    }

    public static double BoxSdf(Vector3 centre, Vector3 half, Vector3 p)
    {
        var q = Vector3.Abs(p - centre) - half;
        double outside = Vector3.Max(q, Vector3.Zero).Length();
        return outside + Math.Min(Math.Max(q.X, Math.Max(q.Y, q.Z)), 0);
    }

    /// <summary>A torus about the z axis: <paramref name="around"/> x <paramref name="across"/> quads, two triangles each.</summary>
    public static Mesh Torus(double major, double minor, int around, int across)
    {
        var positions = new float[3 * around * across];
        for (int i = 0; i < around; i++)
            for (int j = 0; j < across; j++)
            {
                double u = 2 * Math.PI * i / around, v = 2 * Math.PI * j / across;
                int k = 3 * (i * across + j);
                positions[k] = (float)((major + minor * Math.Cos(v)) * Math.Cos(u));
                positions[k + 1] = (float)((major + minor * Math.Cos(v)) * Math.Sin(u));
                positions[k + 2] = (float)(minor * Math.Sin(v));
            }
        var indices = new List<int>();
        int Index(int i, int j) => (i % around) * across + j % across;
        // d/du x d/dv points outwards, so (i, j), (i+1, j), (i+1, j+1) is counter-clockwise seen from outside
        for (int i = 0; i < around; i++)
            for (int j = 0; j < across; j++)
                indices.AddRange([Index(i, j), Index(i + 1, j), Index(i + 1, j + 1), Index(i, j), Index(i + 1, j + 1), Index(i, j + 1)]);
        return new Mesh(positions, indices.ToArray());
    }

    public static double TorusSdf(double major, double minor, Vector3 p)
    {
        double ring = Math.Sqrt((double)p.X * p.X + (double)p.Y * p.Y) - major;
        return Math.Sqrt(ring * ring + (double)p.Z * p.Z) - minor;
    }

    /// <summary>The mesh without the given triangles (a mesh with holes).</summary>
    public static Mesh WithoutTriangles(Mesh mesh, IEnumerable<int> drop)
    {
        var dropped = drop.ToHashSet();
        var kept = Enumerable.Range(0, mesh.TriangleCount).Where(f => !dropped.Contains(f))
            .SelectMany(f => new[] { mesh.Indices[3 * f], mesh.Indices[3 * f + 1], mesh.Indices[3 * f + 2] }).ToArray();
        return new Mesh(mesh.Positions, kept);
    }

    /// <summary>Both meshes as one (their parts may overlap or intersect).</summary>
    public static Mesh Union(Mesh a, Mesh b) =>
        new([.. a.Positions, .. b.Positions], [.. a.Indices, .. b.Indices.Select(i => i + a.VertexCount)]);
}
