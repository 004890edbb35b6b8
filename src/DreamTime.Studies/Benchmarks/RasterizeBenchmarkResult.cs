using System.Globalization;

namespace DreamTime.Studies.Benchmarks;

/// <summary>
/// Median seconds of one render and of its stages (each the median over the runs), the mesh size and the covered
/// pixels; then the differentiable rasteriser's rows on their own mesh.
/// </summary>
public sealed record RasterizeBenchmarkResult(RasterizeBenchmarkSettings Settings, double Setup, double Rasterize, double Resolve,
    double Total, int Triangles, double CoveredPixels)
{
    /// <summary>One row per differentiable size (none when no sizes were asked for).</summary>
    public IReadOnlyList<DifferentiableRasterRow> Differentiable { get; init; } = [];
    /// <summary>Triangles of the differentiable rows' mesh.</summary>
    public int DifferentiableTriangles { get; init; }

    public string Table()
    {
        var table = BenchmarkTable.Format(
            ["triangles", "image", "setup", "z-buffer", "shade", "total", "covered px"],
            [[
                Triangles.ToString(CultureInfo.InvariantCulture),
                $"{Settings.Size}x{Settings.Size}" + (Settings.Supersample > 1 ? $" x{Settings.Supersample * Settings.Supersample}" : ""),
                BenchmarkTable.Ms(Setup), BenchmarkTable.Ms(Rasterize), BenchmarkTable.Ms(Resolve), BenchmarkTable.Ms(Total),
                CoveredPixels.ToString("F0", CultureInfo.InvariantCulture),
            ]]);
        if (Differentiable.Count == 0) return table;
        return table + "\ndifferentiable (forward + backward):\n" + BenchmarkTable.Format(
            ["triangles", "image", "z-buffer", "barycentrics", "interpolate", "aa analysis", "aa blend", "backward", "total", "covered px"],
            Differentiable.Select(r => (IReadOnlyList<string>)
            [
                DifferentiableTriangles.ToString(CultureInfo.InvariantCulture), $"{r.Size}x{r.Size}",
                BenchmarkTable.Ms(r.Visibility), BenchmarkTable.Ms(r.Barycentrics), BenchmarkTable.Ms(r.Interpolate),
                BenchmarkTable.Ms(r.AntialiasAnalysis), BenchmarkTable.Ms(r.AntialiasBlend), BenchmarkTable.Ms(r.Backward),
                BenchmarkTable.Ms(r.Total), r.CoveredPixels.ToString("F0", CultureInfo.InvariantCulture),
            ]).ToList());
    }
}
