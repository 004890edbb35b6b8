namespace DreamTime.Studies.Benchmarks;

/// <summary>What `benchmark mesh-step` trains: a DMTet sphere under the built-in prior, as a mesh stage does.</summary>
public sealed record MeshStepSettings
{
    public string Prompt { get; init; } = "a red mushroom";
    /// <summary>Render sizes (square) to time, one row each.</summary>
    public IReadOnlyList<int> Resolutions { get; init; } = [64, 128];
    public int GridResolution { get; init; } = 64;
    public int Steps { get; init; } = 5;
    public int Warmup { get; init; } = 2;

    public void Validate()
    {
        if (Resolutions.Count == 0) throw new Runtime.UserError("resolutions", "is empty; give one or more render sizes");
        foreach (int r in Resolutions) BenchmarkTable.RequireRange(r, 8, 512, "resolutions");
        BenchmarkTable.RequireRange(GridResolution, 8, 128, "grid_resolution");
        BenchmarkTable.RequireRange(Steps, 1, 1000, "steps");
        BenchmarkTable.RequireRange(Warmup, 0, 100, "warmup");
    }
}
