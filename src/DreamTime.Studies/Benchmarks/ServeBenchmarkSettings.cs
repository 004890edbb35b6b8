namespace DreamTime.Studies.Benchmarks;

/// <summary>What `benchmark serve` runs: one run started from the page and one trained beside the app, as from a terminal.</summary>
public sealed record ServeBenchmarkSettings
{
    /// <summary>Steps of each run (a one-stage DreamFusion run of the built-in prior).</summary>
    public int Iterations { get; init; } = 100;
    /// <summary>Side of the training renders.</summary>
    public int Resolution { get; init; } = 32;

    public void Validate()
    {
        BenchmarkTable.RequireRange(Iterations, 2, 100_000, "iterations");
        BenchmarkTable.RequireRange(Resolution, 8, 512, "resolution");
    }

    /// <summary>The `serve --set` pairs that make the runs this size and keep their exports short.</summary>
    public IReadOnlyList<string> Set =>
    [
        $"stages.0.height={Resolution}", $"stages.0.width={Resolution}", "turntable_frames=4", "turntable_resolution=32",
        $"eval_resolution={Resolution}",
    ];
}
