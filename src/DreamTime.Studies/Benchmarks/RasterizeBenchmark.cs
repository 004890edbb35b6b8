using DreamTime.Geometry;
using DreamTime.Rendering;

namespace DreamTime.Studies.Benchmarks;

/// <summary>Times <see cref="MeshRasterizer.Render"/> of one view, the call that draws mesh previews and turnarounds.</summary>
public static class RasterizeBenchmark
{
    public static RasterizeBenchmarkResult Run(RasterizeBenchmarkSettings settings)
    {
        settings.Validate();
        int n = settings.MeshGrid;
        var mesh = MarchingCubes.Extract(MarchingCubesBenchmark.BallGrid(n), n, n, n, MarchingCubesBenchmark.Bounds, 0f);
        var camera = new Camera(20, 30, 2.5, 40);
        for (int i = 0; i < settings.Warmup; i++)
            MeshRasterizer.Render(mesh, camera, settings.Size, settings.Size, supersample: settings.Supersample);
        var runs = new List<(RasterTimings Parts, double Total)>();
        float[] mask = [];
        for (int i = 0; i < settings.Runs; i++)
        {
            var parts = new RasterTimings();
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            mask = MeshRasterizer.Render(mesh, camera, settings.Size, settings.Size, supersample: settings.Supersample,
                timings: parts).Mask;
            runs.Add((parts, BenchmarkTable.Seconds(start, System.Diagnostics.Stopwatch.GetTimestamp())));
        }
        double Median(Func<(RasterTimings Parts, double Total), double> f) => BenchmarkTable.Median(runs.Select(f));
        return new RasterizeBenchmarkResult(settings, Median(r => r.Parts.Setup), Median(r => r.Parts.Rasterize),
            Median(r => r.Parts.Resolve), Median(r => r.Total), mesh.TriangleCount, mask.Sum());
    }
}
