using System.Numerics;
using DreamTime.Geometry;

namespace DreamTime.Tests.Geometry;

/// <summary>Shared fields and checks for the geometry tests.</summary>
internal static class TestShapes
{
    public static readonly (Vector3 Min, Vector3 Max) UnitBounds = (new Vector3(-1), new Vector3(1));

    /// <summary>Samples f on the C-order [n,n,n] lattice over the bounds, the layout MarchingCubes expects.</summary>
    public static float[] SampleGrid(int n, (Vector3 Min, Vector3 Max) bounds, Func<Vector3, float> f)
    {
        var grid = new float[n * n * n];
        var step = (bounds.Max - bounds.Min) / (n - 1);
        Parallel.For(0, n, i =>
        {
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++)
                    grid[(i * n + j) * n + k] = f(bounds.Min + new Vector3(i, j, k) * step);
        });
        return grid;
    }

    /// <summary>Density that is positive inside a ball: the negated signed distance.</summary>
    public static Func<Vector3, float> Ball(Vector3 center, float radius) => p => radius - Vector3.Distance(p, center);

    /// <summary>Density positive inside an axis-aligned box (negated signed distance inside, a lower bound outside).</summary>
    public static Func<Vector3, float> Box(Vector3 center, Vector3 half) => p =>
    {
        var d = half - Vector3.Abs(p - center);
        return MathF.Min(d.X, MathF.Min(d.Y, d.Z));
    };

    /// <summary>Signed volume of each connected piece (triangles linked through shared vertices).</summary>
    public static List<double> ComponentVolumes(Mesh mesh)
    {
        var parent = Enumerable.Range(0, mesh.VertexCount).ToArray();
        int Find(int x) => parent[x] == x ? x : parent[x] = Find(parent[x]);
        for (int f = 0; f < mesh.TriangleCount; f++)
        {
            var (a, b, c) = mesh.Triangle(f);
            parent[Find(a)] = Find(b);
            parent[Find(b)] = Find(c);
        }
        var volumes = new Dictionary<int, double>();
        for (int f = 0; f < mesh.TriangleCount; f++)
        {
            var (a, b, c) = mesh.Triangle(f);
            double v = Vector3.Dot(mesh.Position(a), Vector3.Cross(mesh.Position(b), mesh.Position(c))) / 6.0;
            volumes[Find(a)] = volumes.GetValueOrDefault(Find(a)) + v;
        }
        return volumes.Values.ToList();
    }

    /// <summary>
    /// Every directed edge appears once and its reverse once: each undirected edge is shared by exactly two
    /// triangles that traverse it in opposite directions (closed and consistently oriented). Returns a failure
    /// description or null.
    /// </summary>
    public static string? ClosedAndOriented(Mesh mesh)
    {
        var directed = new Dictionary<(int, int), int>();
        for (int f = 0; f < mesh.TriangleCount; f++)
        {
            var (a, b, c) = mesh.Triangle(f);
            foreach (var e in new[] { (a, b), (b, c), (c, a) })
                directed[e] = directed.GetValueOrDefault(e) + 1;
        }
        foreach (var (e, count) in directed)
        {
            if (count != 1) return $"directed edge {e} used {count} times";
            if (!directed.ContainsKey((e.Item2, e.Item1))) return $"edge {e} has no opposite half (open boundary or flipped neighbour)";
        }
        return null;
    }
}
