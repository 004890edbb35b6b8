using System.Numerics;
using DreamTime.Geometry;

namespace DreamTime.Tests.Geometry;

/// <summary>Meshes and independent checks for the UV atlas tests.</summary>
internal static class AtlasShapes
{
    /// <summary>
    /// An axis-aligned cube of side 2 * half, each face an n x n grid of quads, vertices shared across the edges,
    /// wound counter-clockwise from outside.
    /// </summary>
    public static Mesh Cube(int n, float half)
    {
        var positions = new List<float>();
        var indices = new List<int>();
        for (int axis = 0; axis < 3; axis++)
            for (int sign = -1; sign <= 1; sign += 2)
            {
                var normal = Unit(axis) * sign;
                // (u, v, normal) right-handed, so quads (u, v) are counter-clockwise seen from outside
                var u = Unit((axis + 1) % 3);
                var v = Vector3.Cross(normal, u);
                int first = positions.Count / 3;
                for (int i = 0; i <= n; i++)
                    for (int j = 0; j <= n; j++)
                    {
                        var p = half * (normal + (2f * j / n - 1) * u + (2f * i / n - 1) * v);
                        positions.AddRange([p.X, p.Y, p.Z]);
                    }
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++)
                    {
                        int a = first + i * (n + 1) + j, b = a + 1, c = a + n + 2, d = a + n + 1;
                        indices.AddRange([a, b, c, a, c, d]);
                    }
            }
        return new Mesh(positions.ToArray(), indices.ToArray()).MergeDuplicateVertices(1e-5f);
    }

    /// <summary>The same triangles with no vertex shared: each corner its own vertex, so vertex normals are face normals.</summary>
    public static Mesh Soup(Mesh mesh)
    {
        var positions = mesh.Indices.SelectMany(i => new[] { mesh.Positions[3 * i], mesh.Positions[3 * i + 1], mesh.Positions[3 * i + 2] })
            .ToArray();
        return new Mesh(positions, Enumerable.Range(0, mesh.Indices.Length).ToArray());
    }

    private static Vector3 Unit(int axis) => axis == 0 ? Vector3.UnitX : axis == 1 ? Vector3.UnitY : Vector3.UnitZ;

    /// <summary>A marching-cubes ball on an n^3 lattice over [-1, 1]^3, centred off the lattice's symmetry planes.</summary>
    public static Mesh Ball(int n, float radius) =>
        MarchingCubes.Extract(TestShapes.SampleGrid(n, TestShapes.UnitBounds, TestShapes.Ball(new Vector3(0.03f, -0.02f, 0.01f), radius)),
            n, n, n, TestShapes.UnitBounds, 0f);

    /// <summary>
    /// A strip of a helicoid (radius 1 to 2, rising <paramref name="pitch"/> per radian over <paramref name="turns"/>
    /// turns): its normals stay within a few degrees of z, yet seen along z it covers itself once per turn.
    /// </summary>
    public static Mesh Helicoid(float turns, float pitch, int steps)
    {
        var positions = new List<float>();
        var indices = new List<int>();
        for (int i = 0; i <= steps; i++)
        {
            float angle = 2 * MathF.PI * turns * i / steps;
            foreach (float r in new[] { 1f, 2f })
                positions.AddRange([r * MathF.Cos(angle), r * MathF.Sin(angle), pitch * angle]);
            if (i == 0) continue;
            int a = 2 * (i - 1), b = a + 1, c = a + 3, d = a + 2;
            indices.AddRange([a, b, c, a, c, d]);
        }
        return new Mesh(positions.ToArray(), indices.ToArray());
    }

    /// <summary>Colour = position mapped from [-1, 1]^3 to [0, 1]^3: linear, so a blend of corners is exact.</summary>
    public static float[] PositionColours(float[] points)
    {
        var colours = new float[points.Length];
        for (int i = 0; i < points.Length; i++) colours[i] = (points[i] + 1) / 2;
        return colours;
    }

    /// <summary>
    /// Pairs of triangles whose interiors both contain a texel centre of an n x n grid over the UV square (strictly:
    /// a centre on a shared edge counts for neither). Returns up to <paramref name="limit"/> (texel, face, face).
    /// </summary>
    public static List<(int Texel, int First, int Second)> UvConflicts(TexturedMesh mesh, int n, Func<int, int, bool> counts,
        int limit = 10)
    {
        var owner = new int[n * n];
        Array.Fill(owner, -1);
        var conflicts = new List<(int, int, int)>();
        for (int f = 0; f < mesh.TriangleCount && conflicts.Count < limit; f++)
        {
            var (a, b, c) = mesh.Triangle(f);
            Vector2 p0 = mesh.Uv(a) * n, p1 = mesh.Uv(b) * n, p2 = mesh.Uv(c) * n;
            double area = Cross(p0, p1, p2);
            if (area == 0) continue;
            var min = Vector2.Min(p0, Vector2.Min(p1, p2));
            var max = Vector2.Max(p0, Vector2.Max(p1, p2));
            for (int i = Math.Max(0, (int)min.Y - 1); i <= Math.Min(n - 1, (int)max.Y + 1); i++)
                for (int j = Math.Max(0, (int)min.X - 1); j <= Math.Min(n - 1, (int)max.X + 1); j++)
                {
                    var q = new Vector2(j + 0.5f, i + 0.5f);
                    double w0 = Cross(p1, p2, q) / area, w1 = Cross(p2, p0, q) / area, w2 = Cross(p0, p1, q) / area;
                    const double inside = 1e-6;
                    if (w0 <= inside || w1 <= inside || w2 <= inside) continue;
                    int k = i * n + j;
                    if (owner[k] >= 0 && counts(owner[k], f)) conflicts.Add((k, owner[k], f));
                    owner[k] = f;
                }
        }
        return conflicts;
    }

    private static double Cross(Vector2 a, Vector2 b, Vector2 p) =>
        ((double)b.X - a.X) * ((double)p.Y - a.Y) - ((double)b.Y - a.Y) * ((double)p.X - a.X);
}
