namespace DreamTime.Studies.Benchmarks;

/// <summary>What `benchmark marching-cubes` meshes: a ball on an n^3 lattice over [-1, 1]^3.</summary>
public sealed record MarchingCubesBenchmarkSettings
{
    /// <summary>Lattice nodes per axis.</summary>
    public int Grid { get; init; } = 128;
    public int Runs { get; init; } = 5;
    public int Warmup { get; init; } = 1;

    public void Validate()
    {
        BenchmarkTable.RequireRange(Grid, 2, 512, "grid");
        BenchmarkTable.RequireRange(Runs, 1, 1000, "runs");
        BenchmarkTable.RequireRange(Warmup, 0, 100, "warmup");
    }
}
