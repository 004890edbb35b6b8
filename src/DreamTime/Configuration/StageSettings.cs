using System.Text.Json.Serialization;
using DreamTime.Diffusion;
using DreamTime.Guidance;
using DreamTime.Rendering;
using DreamTime.Representations;
using DreamTime.Runtime;

namespace DreamTime.Configuration;

/// <summary>
/// One stage of a pipeline (threestudio's coarse/refine or geometry/texture): one training session of its own
/// representation, built from the stage before's where its settings say so, at its own resolution and timestep range.
/// config.json holds the stages as the list "stages"; `--set stages.1.iterations=N` changes one key of one stage.
/// </summary>
public sealed record StageSettings
{
    /// <summary>A short name for logs, previews and the stage's checkpoint folder ("nerf", "coarse", "refine").</summary>
    public string Name { get; init; } = "nerf";
    public int Iterations { get; init; } = 1000;
    public int Height { get; init; } = 64;
    public int Width { get; init; } = 64;
    public int BatchSize { get; init; } = 1;
    /// <summary>The timestep strategy and its knobs, over this stage's own [t_min, t_max] and iteration count.</summary>
    public TimestepOptions Timesteps { get; init; } = new();
    public RepresentationSettings Representation { get; init; } = new NerfSettings();
    /// <summary>This stage's own guidance; null = the run's (the top-level "guidance").</summary>
    public GuidanceSettings? Guidance { get; init; }
    /// <summary>
    /// What the guidance sees and the evaluation scores: "shaded" (the shaded render) or "normal" (the normal map
    /// over white, <see cref="NormalImage"/>: Fantasia3D's geometry stage, which shapes the geometry alone).
    /// </summary>
    public string GuidanceInput { get; init; } = "shaded";

    /// <summary>Probabilities of the shading modes per step (normalised): albedo, diffuse, textureless.</summary>
    public double ShadingAlbedo { get; init; } = 0.0;
    public double ShadingDiffuse { get; init; } = 1.0;
    public double ShadingTextureless { get; init; } = 0.0;

    public static readonly IReadOnlyDictionary<string, ImageModality> GuidanceInputs = new Dictionary<string, ImageModality>
    {
        ["shaded"] = ImageModality.Shaded,
        ["normal"] = ImageModality.Normal,
    };

    /// <summary><see cref="GuidanceInput"/> as a modality; a UserError naming guidance_input for an unknown one.</summary>
    [JsonIgnore]
    public ImageModality GuidanceModality => GuidanceInput is not null && GuidanceInputs.TryGetValue(GuidanceInput, out var m) ? m
        : throw new UserError("guidance_input", $"{GuidanceInput ?? "null"}: unknown; allowed: {string.Join(", ", GuidanceInputs.Keys)}");

    /// <summary>Throws a <see cref="UserError"/> naming the first key out of range (relative to the stage).</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw new UserError("name", $"'{Name}': a stage name is letters, digits, '-' and '_' (it names a folder)");
        if (Iterations < 1) throw new UserError("iterations", $"is {Iterations}; must be a positive integer");
        foreach (var (key, v) in new[] { ("height", Height), ("width", Width) })
            if (v < 8 || v > 1024) throw new UserError(key, $"is {v}; must be between 8 and 1024");
        if (BatchSize < 1 || BatchSize > 64) throw new UserError("batch_size", $"is {BatchSize}; must be in [1, 64]");
        foreach (var (key, p) in new[] { ("shading_albedo", ShadingAlbedo), ("shading_diffuse", ShadingDiffuse),
            ("shading_textureless", ShadingTextureless) })
            if (!(p >= 0 && double.IsFinite(p))) throw new UserError(key, $"is {p}; a probability must be a finite number >= 0");
        if (ShadingAlbedo + ShadingDiffuse + ShadingTextureless <= 0)
            throw new UserError("shading_diffuse",
                "shading_albedo, shading_diffuse and shading_textureless are all 0; at least one must be positive");
        _ = GuidanceModality;
        if (Timesteps is null) throw new UserError("timesteps", "is null; give it a value or remove the key to use the default");
        if (Representation is null) throw new UserError("representation", "is null; give it a value or remove the key to use the default");
        UserError.InSection("timesteps", () => Timesteps.Validate(1000, Iterations));
        UserError.InSection("representation", Representation.Validate);
        if (Guidance != null) UserError.InSection("guidance", Guidance.Validate);
    }
}
