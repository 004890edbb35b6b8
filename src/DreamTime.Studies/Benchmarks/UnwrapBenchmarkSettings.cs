namespace DreamTime.Studies.Benchmarks;

/// <summary>What `benchmark unwrap` times: the marching-cubes ball of a mesh-grid^3 lattice, unwrapped and baked.</summary>
public sealed record UnwrapBenchmarkSettings
{
    /// <summary>Lattice nodes per axis of the ball mesh: 92 gives ~50,000 triangles.</summary>
    public int MeshGrid { get; init; } = 92;
    /// <summary>Texels per side of the atlas and of the baked texture.</summary>
    public int Resolution { get; init; } = 1024;
    public int Runs { get; init; } = 5;
    public int Warmup { get; init; } = 1;

    public void Validate()
    {
        BenchmarkTable.RequireRange(MeshGrid, 4, 512, "mesh_grid");
        BenchmarkTable.RequireRange(Resolution, 16, 8192, "resolution");
        BenchmarkTable.RequireRange(Runs, 1, 1000, "runs");
        BenchmarkTable.RequireRange(Warmup, 0, 100, "warmup");
    }
}
