using System.Numerics;
using DreamTime.Geometry;

namespace DreamTime.Studies.Benchmarks;

/// <summary>Times <see cref="MarchingCubes.Extract"/>, and the lattice sampling that comes before it in mesh export.</summary>
public static class MarchingCubesBenchmark
{
    public static readonly (Vector3 Min, Vector3 Max) Bounds = (new Vector3(-1), new Vector3(1));

    public static MarchingCubesBenchmarkResult Run(MarchingCubesBenchmarkSettings settings)
    {
        settings.Validate();
        int n = settings.Grid;
        for (int i = 0; i < settings.Warmup; i++) MarchingCubes.Extract(BallGrid(n), n, n, n, Bounds, 0f);
        var runs = new List<(double Sample, double Extract, double Total)>();
        Mesh mesh = Mesh.Empty;
        for (int i = 0; i < settings.Runs; i++)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            var grid = BallGrid(n);
            long sampled = System.Diagnostics.Stopwatch.GetTimestamp();
            mesh = MarchingCubes.Extract(grid, n, n, n, Bounds, 0f);
            long end = System.Diagnostics.Stopwatch.GetTimestamp();
            runs.Add((BenchmarkTable.Seconds(start, sampled), BenchmarkTable.Seconds(sampled, end), BenchmarkTable.Seconds(start, end)));
        }
        return new MarchingCubesBenchmarkResult(settings, BenchmarkTable.Median(runs.Select(r => r.Sample)),
            BenchmarkTable.Median(runs.Select(r => r.Extract)), BenchmarkTable.Median(runs.Select(r => r.Total)), mesh.VertexCount,
            mesh.TriangleCount);
    }

    /// <summary>
    /// Density radius - distance of a ball of radius 0.8, centred off the lattice's symmetry planes so that no
    /// vertex lands exactly on a node, sampled C-order on n^3 nodes over <see cref="Bounds"/>.
    /// </summary>
    public static float[] BallGrid(int n)
    {
        var center = new Vector3(0.03f, -0.02f, 0.01f);
        var grid = new float[n * n * n];
        var step = (Bounds.Max - Bounds.Min) / (n - 1);
        Parallel.For(0, n, i =>
        {
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++)
                    grid[(i * n + j) * n + k] = 0.8f - Vector3.Distance(Bounds.Min + new Vector3(i, j, k) * step, center);
        });
        return grid;
    }
}
