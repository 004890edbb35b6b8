namespace DreamTime.Studies.Benchmarks;

/// <summary>
/// What `benchmark rasterize` draws: the marching-cubes ball of a mesh-grid^3 lattice (~6 grid^2 triangles) through
/// <see cref="Rendering.MeshRasterizer"/>, and a second ball through <see cref="Rendering.DifferentiableRasterizer"/>
/// (forward and backward) at each of the differentiable sizes.
/// </summary>
public sealed record RasterizeBenchmarkSettings
{
    /// <summary>Lattice nodes per axis of the ball mesh: 100 gives ~59,000 triangles.</summary>
    public int MeshGrid { get; init; } = 100;
    /// <summary>Side of the square image, in pixels.</summary>
    public int Size { get; init; } = 256;
    /// <summary>Samples per pixel along each axis.</summary>
    public int Supersample { get; init; } = 1;
    /// <summary>Lattice nodes per axis of the differentiable rows' ball: 80 gives ~38,000 triangles.</summary>
    public int DifferentiableMeshGrid { get; init; } = 80;
    /// <summary>Sides of the square images of the differentiable rows, one row each.</summary>
    public IReadOnlyList<int> DifferentiableSizes { get; init; } = new[] { 64, 128, 256 };
    public int Runs { get; init; } = 5;
    public int Warmup { get; init; } = 1;

    public void Validate()
    {
        BenchmarkTable.RequireRange(MeshGrid, 4, 512, "mesh_grid");
        BenchmarkTable.RequireRange(Size, 1, 4096, "size");
        BenchmarkTable.RequireRange(Supersample, 1, 4, "supersample");
        BenchmarkTable.RequireRange(DifferentiableMeshGrid, 4, 512, "differentiable_mesh_grid");
        foreach (var s in DifferentiableSizes) BenchmarkTable.RequireRange(s, 1, 4096, "differentiable_sizes");
        BenchmarkTable.RequireRange(Runs, 1, 1000, "runs");
        BenchmarkTable.RequireRange(Warmup, 0, 100, "warmup");
    }
}
