using DreamTime.Runtime;

namespace DreamTime.Configuration;

/// <summary>
/// The pipeline presets by threestudio's names: each is a list of stages. `generate --pipeline NAME` (config key
/// "pipeline") replaces the stages with the preset's; any key of any stage can then be changed.
/// </summary>
public static class Pipelines
{
    public const string Default = "dreamfusion";

    private static readonly List<(string Name, string Description, Func<List<StageSettings>> Stages)> Presets =
    [
        ("dreamfusion", "one NeRF stage at 64x64, t in [20, 980]; the mesh is the NeRF's marching-cubes surface",
            () => [new StageSettings { Name = "nerf" }]),
    ];

    public static IReadOnlyList<string> Names => Presets.Select(p => p.Name).ToList();

    /// <summary>"name = description" per preset, for --help.</summary>
    public static string Describe() => string.Join("; ", Presets.Select(p => $"{p.Name} = {p.Description}"));

    public static List<StageSettings> Stages(string name) =>
        Presets.FirstOrDefault(p => p.Name == name).Stages?.Invoke()
        ?? throw new UserError("pipeline", $"{name}: unknown pipeline; allowed: {string.Join(", ", Names)}");
}
