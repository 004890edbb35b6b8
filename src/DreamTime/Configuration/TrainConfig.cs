using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DreamTime.Guidance;
using DreamTime.Rendering;
using DreamTime.Runtime;

namespace DreamTime.Configuration;

/// <summary>
/// Everything a run depends on. Saved as config.json in the run folder before training starts; a run is
/// reproduced (or resumed) from that file alone, and `generate --config FILE` starts a new run from one.
/// The run is a list of <see cref="Stages"/> (a pipeline preset's, by default DreamFusion's one NeRF stage); the
/// guidance and each stage's representation are chosen by their "type" (see <see cref="Components"/>).
/// </summary>
public sealed record TrainConfig
{
    public string Prompt { get; init; } = "";
    public string NegativePrompt { get; init; } = "";
    public string Device { get; init; } = "cpu";
    /// <summary>Everything random in every stage is seeded from it (with the step and the stage).</summary>
    public long Seed { get; init; } = 0;
    /// <summary>The preset the stages came from (<see cref="Pipelines"/>); setting it replaces the stages.</summary>
    public string Pipeline { get; init; } = Pipelines.Default;
    /// <summary>The guidance of every stage that has none of its own.</summary>
    public GuidanceSettings Guidance { get; init; } = new BuiltinPriorSettings();
    /// <summary>
    /// The prompt whose members the built-in families' evaluation scores against; null = the prompt. For a prompt
    /// that names its subject by a DreamBooth token ("a sks mushroom"), the subject's own attributes.
    /// </summary>
    public string? EvaluationPrompt { get; init; }
    /// <summary>The input view of image-to-3D; null for text-to-3D.</summary>
    public ReferenceSettings? Reference { get; init; }
    public List<StageSettings> Stages { get; init; } = Pipelines.Stages(Pipelines.Default);

    /// <summary>
    /// Independent representations trained side by side in every stage, sharing the guidance (ProlificDreamer's
    /// particles; under VSD they share its LoRA). Particle 0 starts as a single-particle run would; each stage
    /// draws batch_size cameras per particle.
    /// </summary>
    public int Particles { get; init; } = 1;
    public CameraRanges Cameras { get; init; } = new();
    public int PreviewEvery { get; init; } = 100;
    public int CheckpointEvery { get; init; } = 100;
    public int EvalEvery { get; init; } = 50;
    public int EvalResolution { get; init; } = 64;
    public int TurntableFrames { get; init; } = 36;
    public int TurntableResolution { get; init; } = 128;

    [JsonIgnore] public Conditioning Conditioning => new(Prompt, NegativePrompt);
    /// <summary>What a run is of, for titles and logs: the quoted prompt, or the input picture's file name.</summary>
    [JsonIgnore] public string Subject => Reference != null ? Path.GetFileName(Reference.Image) : $"\"{Prompt}\"";
    [JsonIgnore] public string GuidanceName => Components.Guidance.NameOf(Guidance);
    /// <summary>The strategy of the first stage, which names the run (its folder, titles).</summary>
    [JsonIgnore] public string Strategy => Stages[0].Timesteps.Strategy;
    [JsonIgnore] public StageSettings LastStage => Stages[^1];

    /// <summary>The guidance a stage uses: its own, or the run's.</summary>
    public GuidanceSettings GuidanceOf(int stage) => Stages[stage].Guidance ?? Guidance;

    public string RepresentationName(int stage) => Components.Representation.NameOf(Stages[stage].Representation);

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

    /// <summary>Two configurations are equal when their config.json is (the stage list compared by value, not by reference).</summary>
    public bool Equals(TrainConfig? other) => other is not null && ToJson() == other.ToJson();

    public override int GetHashCode() => ToJson().GetHashCode();

    public JsonObject ToJsonObject() => JsonSerializer.SerializeToNode(this, Json)!.AsObject();

    public static TrainConfig FromJson(string text, string path)
    {
        TrainConfig cfg;
        try
        {
            CheckStages(text);
            cfg = JsonSerializer.Deserialize<TrainConfig>(text, Json) ?? throw new UserError($"{path}: empty configuration");
        }
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
                     ("prompt", cfg.Prompt), ("negative_prompt", cfg.NegativePrompt), ("device", cfg.Device), ("pipeline", cfg.Pipeline),
                     ("guidance", cfg.Guidance), ("stages", cfg.Stages), ("cameras", cfg.Cameras),
                 })
            if (value is null) throw new UserError($"{path}: '{key}' is null; give it a value or remove the key to use the default");
        return cfg;
    }

    /// <summary>Reads each stage on its own first, so that an error inside one names its key path ("stages.1.representation...").</summary>
    private static void CheckStages(string text)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(text, documentOptions: IO.ConfigJson.NoDuplicateKeys); }
        catch (JsonException) { return; }   // the whole-file read reports it
        if (root is not JsonObject o || o["stages"] is not JsonArray stages) return;
        for (int i = 0; i < stages.Count; i++)
        {
            if (stages[i] is not JsonObject) continue;
            var options = new JsonSerializerOptions(Json);
            options.Converters.Clear();
            options.Converters.Add(Components.Guidance.ConverterAt($"stages.{i}.guidance"));
            options.Converters.Add(Components.Representation.ConverterAt($"stages.{i}.representation"));
            try { stages[i].Deserialize<StageSettings>(options); }
            catch (JsonException e) { throw new UserError($"invalid configuration ({JsonErrors.Describe(e, $"stages.{i}")})"); }
        }
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

    /// <summary>Reads and prepares the input picture at a stage's training resolution (null for text-to-3D).</summary>
    public ReferenceView? LoadReference(int stage = 0) => Reference?.Load(GuidanceOf(stage), Cameras, Stages[stage].Height);

    public void Validate()
    {
        if (Stages.Count == 0) throw new UserError("stages", "is empty; a run needs at least one stage");
        if (Stages.Count > 8) throw new UserError("stages", $"has {Stages.Count} stages; at most 8");
        for (int i = 0; i < Stages.Count; i++)
        {
            if (Stages[i] is null) throw new UserError($"stages.{i}", "is null; remove it or give it a value");
            UserError.InSection($"stages.{i}", Stages[i].Validate);
            var duplicate = Stages.FindIndex(s => s?.Name == Stages[i].Name);
            if (duplicate < i) throw new UserError($"stages.{i}.name", $"'{Stages[i].Name}' is also the name of stage {duplicate}");
        }
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
        if (EvaluationPrompt is not null && string.IsNullOrWhiteSpace(EvaluationPrompt))
            throw new UserError("evaluation_prompt", "is empty; give the subject's prompt or remove the key");
        if (Particles < 1 || Particles > 16) throw new UserError("particles", $"is {Particles}; must be in [1, 16]");
        if (Particles > 1 && Reference != null)
            throw new UserError("particles", $"is {Particles}; image-to-3D trains one representation (particles need a text prompt)");
        if (Pipeline == Pipelines.ProlificDreamer && Guidance is not VsdSettings)
            throw new UserError("guidance.type", $"is {GuidanceName}; the {Pipelines.ProlificDreamer} pipeline distils with vsd " +
                "(--guidance vsd), or use magic3d for score distillation");
        if (Reference != null)
        {
            if (Guidance is not (BuiltinImagePriorSettings or Zero123Settings))
                throw new UserError("guidance.type",
                    $"{GuidanceName} is conditioned on text; image-to-3D (a reference section) needs builtin-image or zero123 " +
                    "(with a Zero-1-to-3 checkpoint as guidance.model)");
            UserError.InSection("reference", Reference.Validate);
            for (int i = 0; i < Stages.Count; i++)
                if (Stages[i].Height != Stages[i].Width)
                    throw new UserError($"stages.{i}.height",
                        $"is {Stages[i].Height} and width {Stages[i].Width}; image-to-3D renders square views, like its input picture");
        }
        else if (Guidance is BuiltinImagePriorSettings or Zero123Settings)
            throw new UserError("reference", $"is null; guidance {GuidanceName} needs an input picture (reference.image)");
        UserError.InSection("guidance", Guidance.Validate);
        for (int i = 0; i < Stages.Count; i++)
            if (Stages[i].GuidanceModality == ImageModality.Normal && GuidanceOf(i) is Zero123Settings)
                throw new UserError($"stages.{i}.guidance_input",
                    "normal: the zero123 guidance denoises colour views of its input picture; use shaded");
        for (int i = 0; i < Stages.Count; i++)
            UserError.InSection($"stages.{i}.representation",
                () => Stages[i].Representation.CheckPrevious(i > 0 ? Stages[i - 1].Representation : null));
    }
}
