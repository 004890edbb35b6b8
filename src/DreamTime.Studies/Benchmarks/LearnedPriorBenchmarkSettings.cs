using DreamTime.LearnedPrior;

namespace DreamTime.Studies.Benchmarks;

/// <summary>What `benchmark learned-prior` measures: one training configuration per UNet width list.</summary>
public sealed record LearnedPriorBenchmarkSettings
{
    public IReadOnlyList<int[]> Channels { get; init; } = new[] { new[] { 32, 64, 64 }, new[] { 32, 64, 128 } };
    public int BatchSize { get; init; } = 32;
    public int ImageSize { get; init; } = 32;
    public int Runs { get; init; } = 5;
    public int Warmup { get; init; } = 1;

    public void Validate()
    {
        BenchmarkTable.RequireRange(BatchSize, 1, 4096, "batch_size");
        BenchmarkTable.RequireRange(Runs, 1, 1000, "runs");
        BenchmarkTable.RequireRange(Warmup, 0, 100, "warmup");
        if (Channels.Count == 0) throw new Runtime.UserError("channels", "is empty; give at least one width list, e.g. 32,64,64");
        foreach (var c in Channels) Config(c).Validate();
    }

    public LearnedPriorConfig Config(int[] channels) =>
        new() { Channels = channels, BatchSize = BatchSize, ImageSize = ImageSize, SampleSeeds = 0 };
}
