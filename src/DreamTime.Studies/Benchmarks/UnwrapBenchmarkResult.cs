using System.Globalization;

namespace DreamTime.Studies.Benchmarks;

/// <summary>
/// Median seconds of unwrapping the mesh and of baking its vertex colours into the atlas, the mesh and atlas sizes,
/// and the fraction of the texture the charts cover.
/// </summary>
public sealed record UnwrapBenchmarkResult(UnwrapBenchmarkSettings Settings, double Unwrap, double Bake, int Triangles, int Charts,
    int VerticesIn, int VerticesOut, double Coverage)
{
    public string Table() => BenchmarkTable.Format(
        ["triangles", "charts", "vertices", "atlas", "covered", "unwrap", "bake"],
        [[
            Triangles.ToString(CultureInfo.InvariantCulture), Charts.ToString(CultureInfo.InvariantCulture),
            $"{VerticesIn} -> {VerticesOut}", $"{Settings.Resolution}^2", Coverage.ToString("P1", CultureInfo.InvariantCulture),
            BenchmarkTable.Ms(Unwrap), BenchmarkTable.Ms(Bake),
        ]]);
}
