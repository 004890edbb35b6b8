using DreamTime.Runtime;

namespace DreamTime.Studies.Benchmarks;

/// <summary>What `benchmark pipeline` runs: `generate PROMPT` at the defaults (the default pipeline), with any --set pairs.</summary>
public sealed record PipelineBenchmarkSettings
{
    public string Prompt { get; init; } = "a red mushroom";
    /// <summary>config.json assignments applied to the defaults (KEY=VALUE), e.g. to time a shorter run.</summary>
    public IReadOnlyList<string> Sets { get; init; } = [];
    /// <summary>NeRF steps timed with the occupancy grid on and off, alternately, from the NeRF stage's last checkpoint.</summary>
    public int CompareSteps { get; init; } = 10;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Prompt)) throw new UserError("prompt", "is empty");
        BenchmarkTable.RequireRange(CompareSteps, 1, 1000, "compare_steps");
    }
}
