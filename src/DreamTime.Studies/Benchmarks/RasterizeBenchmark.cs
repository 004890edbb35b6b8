using DreamTime.Geometry;
using DreamTime.Rendering;

namespace DreamTime.Studies.Benchmarks;

/// <summary>What `benchmark rasterize` draws: the marching-cubes ball of a mesh-grid^3 lattice (~6 grid^2 triangles).</summary>
public sealed record RasterizeBenchmarkSettings
{
    /// <summary>Lattice nodes per axis of the ball mesh: 100 gives ~59,000 triangles.</summary>
    public int MeshGrid { get; init; } = 100;
    /// <summary>Side of the square image, in pixels.</summary>
    public int Size { get; init; } = 256;
    /// <summary>Samples per pixel along each axis.</summary>
    public int Supersample { get; init; } = 1;
    public int Runs { get; init; } = 5;
    public int Warmup { get; init; } = 1;

    public void Validate()
    {
        BenchmarkTable.RequireRange(MeshGrid, 4, 512, "--mesh-grid");
        BenchmarkTable.RequireRange(Size, 1, 4096, "--size");
        BenchmarkTable.RequireRange(Supersample, 1, 4, "--supersample");
        BenchmarkTable.RequireRange(Runs, 1, 1000, "--runs");
        BenchmarkTable.RequireRange(Warmup, 0, 100, "--warmup");
    }
}

/// <summary>Median seconds of one render and of its stages (each the median over the runs), the mesh size and the covered pixels.</summary>
public sealed record RasterizeBenchmarkResult(RasterizeBenchmarkSettings Settings, double Setup, double Rasterize, double Resolve, double Total, int Triangles, double CoveredPixels)
{
    public string Table() => BenchmarkTable.Format(
        ["triangles", "image", "setup", "z-buffer", "shade", "total", "covered px"],
        [[
            Triangles.ToString(), $"{Settings.Size}x{Settings.Size}" + (Settings.Supersample > 1 ? $" x{Settings.Supersample * Settings.Supersample}" : ""),
            BenchmarkTable.Ms(Setup), BenchmarkTable.Ms(Rasterize), BenchmarkTable.Ms(Resolve), BenchmarkTable.Ms(Total),
            CoveredPixels.ToString("F0", System.Globalization.CultureInfo.InvariantCulture),
        ]]);
}

/// <summary>Times <see cref="MeshRasterizer.Render"/> of one view, the call that draws mesh previews and turnarounds.</summary>
public static class RasterizeBenchmark
{
    public static RasterizeBenchmarkResult Run(RasterizeBenchmarkSettings settings)
    {
        settings.Validate();
        int n = settings.MeshGrid;
        var mesh = MarchingCubes.Extract(MarchingCubesBenchmark.BallGrid(n), n, n, n, MarchingCubesBenchmark.Bounds, 0f);
        var camera = new Camera(20, 30, 2.5, 40);
        for (int i = 0; i < settings.Warmup; i++) MeshRasterizer.Render(mesh, camera, settings.Size, settings.Size, supersample: settings.Supersample);
        var runs = new List<(RasterTimings Parts, double Total)>();
        float[] mask = [];
        for (int i = 0; i < settings.Runs; i++)
        {
            var parts = new RasterTimings();
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            mask = MeshRasterizer.Render(mesh, camera, settings.Size, settings.Size, supersample: settings.Supersample, timings: parts).Mask;
            runs.Add((parts, BenchmarkTable.Seconds(start, System.Diagnostics.Stopwatch.GetTimestamp())));
        }
        double Median(Func<(RasterTimings Parts, double Total), double> f) => BenchmarkTable.Median(runs.Select(f));
        return new RasterizeBenchmarkResult(settings, Median(r => r.Parts.Setup), Median(r => r.Parts.Rasterize), Median(r => r.Parts.Resolve),
            Median(r => r.Total), mesh.TriangleCount, mask.Sum());
    }
}
