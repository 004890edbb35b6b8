using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DreamTime.Diffusion;
using DreamTime.Guidance;
using DreamTime.Rendering;
using DreamTime.Representations;
using DreamTime.Runtime;

namespace DreamTime.Configuration;

/// <summary>
/// Everything a run depends on. Saved as config.json in the run folder before training starts; a run is
/// reproduced (or resumed) from that file alone, and `generate --config FILE` starts a new run from one.
/// The guidance and the representation are chosen by their "type" (see <see cref="Components"/>).
/// </summary>
public sealed record TrainConfig
{
    public string Prompt { get; init; } = "";
    public string NegativePrompt { get; init; } = "";
    public string Device { get; init; } = "cpu";
    public TimestepOptions Timesteps { get; init; } = new() { Iterations = 1000 };
    public GuidanceSettings Guidance { get; init; } = new BuiltinPriorSettings();
    public RepresentationSettings Representation { get; init; } = new NerfSettings();
    /// <summary>The input view of image-to-3D; null for text-to-3D.</summary>
    public ReferenceSettings? Reference { get; init; }

    public int Height { get; init; } = 64;
    public int Width { get; init; } = 64;
    public int BatchSize { get; init; } = 1;

    /// <summary>Probabilities of the shading modes per step (normalised): albedo, diffuse, textureless.</summary>
    public double ShadingAlbedo { get; init; } = 0.0;
    public double ShadingDiffuse { get; init; } = 1.0;
    public double ShadingTextureless { get; init; } = 0.0;

    public CameraRanges Cameras { get; init; } = new();
    public int PreviewEvery { get; init; } = 100;
    public int CheckpointEvery { get; init; } = 100;
    public int EvalEvery { get; init; } = 50;
    public int EvalResolution { get; init; } = 64;
    public int TurntableFrames { get; init; } = 36;
    public int TurntableResolution { get; init; } = 128;

    [JsonIgnore] public long Seed => Timesteps.Seed;
    [JsonIgnore] public int Iterations => Timesteps.Iterations;
    [JsonIgnore] public Conditioning Conditioning => new(Prompt, NegativePrompt);
    /// <summary>What a run is of, for titles and logs: the quoted prompt, or the input picture's file name.</summary>
    [JsonIgnore] public string Subject => Reference != null ? Path.GetFileName(Reference.Image) : $"\"{Prompt}\"";
    [JsonIgnore] public string GuidanceName => Components.Guidance.NameOf(Guidance);
    [JsonIgnore] public string RepresentationName => Components.Representation.NameOf(Representation);

    /// <summary>snake_case keys, unknown keys refused (a typo must not silently fall back to a default).</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
        Converters = { Components.Guidance.Converter, Components.Representation.Converter },
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public JsonObject ToJsonObject() => JsonSerializer.SerializeToNode(this, Json)!.AsObject();

    public static TrainConfig FromJson(string text, string path)
    {
        TrainConfig cfg;
        try { cfg = JsonSerializer.Deserialize<TrainConfig>(text, Json) ?? throw new UserError($"{path}: empty configuration"); }
        catch (JsonException e) { throw new UserError($"{path}: invalid configuration ({JsonErrors.Describe(e)})"); }
        catch (UserError e) { throw new UserError($"{path}: {e.Message}"); }
        // a string escape that is not text ("\ud800") is an InvalidOperationException of the reader
        catch (InvalidOperationException e) when (e.Source == "System.Text.Json")
        {
            throw new UserError($"{path}: invalid configuration ({e.Message.Split('\n')[0]})");
        }
        // JSON null overrides the non-nullable defaults; caught here, it would be a NullReferenceException mid-setup.
        foreach (var (key, value) in new (string, object?)[]
                 {
                     ("prompt", cfg.Prompt), ("negative_prompt", cfg.NegativePrompt), ("device", cfg.Device), ("timesteps", cfg.Timesteps),
                     ("guidance", cfg.Guidance), ("representation", cfg.Representation), ("cameras", cfg.Cameras),
                 })
            if (value is null) throw new UserError($"{path}: '{key}' is null; give it a value or remove the key to use the default");
        return cfg;
    }

    public static TrainConfig FromJson(JsonObject node, string path)
    {
        string text;
        try { text = node.ToJsonString(); }
        catch (InvalidOperationException e) when (e.Source == "System.Text.Json")
        {
            throw new UserError($"{path}: invalid configuration ({e.Message.Split('\n')[0]})");
        }
        return FromJson(text, path);
    }

    /// <summary>Reads and prepares the input picture at the training resolution (null for text-to-3D).</summary>
    public ReferenceView? LoadReference() => Reference?.Load(Guidance, Cameras, Height);

    public void Validate()
    {
        foreach (var (key, v) in new[] { ("height", Height), ("width", Width) })
            if (v < 8 || v > 1024) throw new UserError(key, $"is {v}; must be between 8 and 1024");
        if (BatchSize < 1 || BatchSize > 64) throw new UserError("batch_size", $"is {BatchSize}; must be in [1, 64]");
        foreach (var (key, p) in new[] { ("shading_albedo", ShadingAlbedo), ("shading_diffuse", ShadingDiffuse),
            ("shading_textureless", ShadingTextureless) })
            if (!(p >= 0 && double.IsFinite(p))) throw new UserError(key, $"is {p}; a probability must be a finite number >= 0");
        if (ShadingAlbedo + ShadingDiffuse + ShadingTextureless <= 0)
            throw new UserError("shading_diffuse",
                "shading_albedo, shading_diffuse and shading_textureless are all 0; at least one must be positive");
        foreach (var (key, v) in new[] { ("preview_every", PreviewEvery), ("checkpoint_every", CheckpointEvery),
            ("eval_every", EvalEvery) })
            if (v < 0) throw new UserError(key, $"is {v}; must be >= 0 (0 = never)");
        if (EvalResolution < 8 || EvalResolution > 1024)
            throw new UserError("eval_resolution", $"is {EvalResolution}; must be between 8 and 1024");
        if (TurntableResolution < 8 || TurntableResolution > 2048)
            throw new UserError("turntable_resolution", $"is {TurntableResolution}; must be between 8 and 2048");
        if (TurntableFrames < 1 || TurntableFrames > 360)
            throw new UserError("turntable_frames", $"is {TurntableFrames}; must be in [1, 360]");
        UserError.InSection("cameras", Cameras.Validate);
        if (Reference != null)
        {
            if (Guidance is not (BuiltinImagePriorSettings or Zero123Settings))
                throw new UserError("guidance.type",
                    $"{GuidanceName} is conditioned on text; image-to-3D (a reference section) needs builtin-image or zero123 " +
                    "(with a Zero-1-to-3 checkpoint as guidance.model)");
            UserError.InSection("reference", Reference.Validate);
            if (Height != Width)
                throw new UserError("height", $"is {Height} and width {Width}; image-to-3D renders square views, like its input picture");
        }
        else if (Guidance is BuiltinImagePriorSettings or Zero123Settings)
            throw new UserError("reference", $"is null; guidance {GuidanceName} needs an input picture (reference.image)");
        UserError.InSection("timesteps", () => Timesteps.Validate(1000));
        UserError.InSection("guidance", Guidance.Validate);
        UserError.InSection("representation", Representation.Validate);
    }
}
