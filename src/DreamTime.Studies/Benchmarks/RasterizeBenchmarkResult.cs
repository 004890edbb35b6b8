namespace DreamTime.Studies.Benchmarks;

/// <summary>Median seconds of one render and of its stages (each the median over the runs), the mesh size and the covered pixels.</summary>
public sealed record RasterizeBenchmarkResult(RasterizeBenchmarkSettings Settings, double Setup, double Rasterize, double Resolve,
    double Total, int Triangles, double CoveredPixels)
{
    public string Table() => BenchmarkTable.Format(
        ["triangles", "image", "setup", "z-buffer", "shade", "total", "covered px"],
        [[
            Triangles.ToString(),
                $"{Settings.Size}x{Settings.Size}" + (Settings.Supersample > 1 ? $" x{Settings.Supersample * Settings.Supersample}" : ""),
            BenchmarkTable.Ms(Setup), BenchmarkTable.Ms(Rasterize), BenchmarkTable.Ms(Resolve), BenchmarkTable.Ms(Total),
            CoveredPixels.ToString("F0", System.Globalization.CultureInfo.InvariantCulture),
        ]]);
}
