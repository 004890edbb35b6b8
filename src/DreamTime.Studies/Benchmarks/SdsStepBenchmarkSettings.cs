using DreamTime.Guidance;

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
        BenchmarkTable.RequireRange(Steps, 1, 1000, "steps");
        BenchmarkTable.RequireRange(Warmup, 0, 100, "warmup");
        if (Resolutions.Count == 0) throw new Runtime.UserError("resolutions", "is empty; give at least one render size");
        foreach (var r in Resolutions) BenchmarkTable.RequireRange(r, 8, 512, "resolutions");
    }

    /// <param name="lora">a LoRA file for the learned prior, merged into it for the "learned + LoRA" row</param>
    public IEnumerable<(string Name, GuidanceSettings Guidance)> Priors(string lora) =>
    [
        ("builtin", new BuiltinPriorSettings()),
        ("learned", new LearnedPriorSettings { Model = LearnedModel }),
        ("learned + LoRA", new LearnedPriorSettings { Model = LearnedModel, Loras = [new Models.Lora.LoraReference(lora)] }),
        ("vsd", new VsdSettings { Model = LearnedModel }),
    ];
}
