namespace DreamTime.Studies.Benchmarks;

/// <summary>Median seconds of sampling the density lattice and of extracting its surface, and the mesh's size.</summary>
public sealed record MarchingCubesBenchmarkResult(MarchingCubesBenchmarkSettings Settings, double Sample, double Extract, double Total,
    int Vertices, int Triangles)
{
    public string Table() => BenchmarkTable.Format(
        ["grid", "sample", "extract", "total", "vertices", "triangles"],
        [[
            $"{Settings.Grid}^3", BenchmarkTable.Ms(Sample), BenchmarkTable.Ms(Extract), BenchmarkTable.Ms(Total),
            Vertices.ToString(), Triangles.ToString(),
        ]]);
}
