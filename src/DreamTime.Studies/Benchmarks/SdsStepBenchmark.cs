using DreamTime.Guidance;
using DreamTime.Training;
using DreamTime.Configuration;

namespace DreamTime.Studies.Benchmarks;

/// <summary>What `benchmark sds-step` trains: the default text-to-3D configuration with each prior, at each render size.</summary>
public sealed record SdsStepBenchmarkSettings
{
    public IReadOnlyList<int> Resolutions { get; init; } = new[] { 32, 64 };
    public string Prompt { get; init; } = "a red mushroom";
    /// <summary>The learned prior's folder; null = the shipped model.</summary>
    public string? LearnedModel { get; init; }
    public int Steps { get; init; } = 10;
    public int Warmup { get; init; } = 2;

    public void Validate()
    {
        BenchmarkTable.RequireRange(Steps, 1, 1000, "--steps");
        BenchmarkTable.RequireRange(Warmup, 0, 100, "--warmup");
        if (Resolutions.Count == 0) throw new Runtime.UserError("--resolutions: give at least one render size");
        foreach (var r in Resolutions) BenchmarkTable.RequireRange(r, 8, 512, "--resolutions");
    }

    public IEnumerable<(string Name, GuidanceSettings Guidance)> Priors() =>
    [
        ("builtin", new BuiltinPriorSettings()),
        ("learned", new LearnedPriorSettings { Model = LearnedModel }),
    ];
}

public sealed record SdsStepBenchmarkRow(string Prior, int Resolution, double SecondsPerStep);

public sealed record SdsStepBenchmarkResult(IReadOnlyList<SdsStepBenchmarkRow> Rows)
{
    /// <summary>One row per render size: each prior's median step, and the learned prior's cost relative to the built-in one.</summary>
    public string Table() => BenchmarkTable.Format(
        ["render", "built-in prior (ms/step)", "learned prior (ms/step)", "learned / built-in"],
        Rows.GroupBy(r => r.Resolution).Select(g =>
        {
            double b = g.Single(r => r.Prior == "builtin").SecondsPerStep, l = g.Single(r => r.Prior == "learned").SecondsPerStep;
            return (IReadOnlyList<string>)new[] { $"{g.Key}x{g.Key}", BenchmarkTable.Ms(b), BenchmarkTable.Ms(l), (l / b).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) };
        }).ToList());
}

/// <summary>
/// Times whole text-to-3D training steps (render, guidance, regularisers, backward, Adam) of the default
/// configuration with the built-in prior and with the learned prior at the same render size: what choosing the
/// learned prior costs per iteration.
/// </summary>
public static class SdsStepBenchmark
{
    public static SdsStepBenchmarkResult Run(SdsStepBenchmarkSettings settings)
    {
        settings.Validate();
        var rows = new List<SdsStepBenchmarkRow>();
        foreach (int res in settings.Resolutions)
        foreach (var (name, guidance) in settings.Priors())
        {
            var cfg = new TrainConfig { Prompt = settings.Prompt, Height = res, Width = res, Guidance = guidance } is var c
                ? c with { Timesteps = c.Timesteps with { Iterations = settings.Warmup + settings.Steps } } : null!;
            cfg.Validate();
            using var trainer = Trainer.Create(cfg, TorchSharp.torch.CPU);
            var seconds = new List<double>();
            for (int step = 1; step <= settings.Warmup + settings.Steps; step++)
            {
                var record = trainer.Step(step);
                if (step > settings.Warmup) seconds.Add(record.Seconds);
            }
            rows.Add(new SdsStepBenchmarkRow(name, res, BenchmarkTable.Median(seconds)));
        }
        return new SdsStepBenchmarkResult(rows);
    }
}
