using System.Text.Json;
using System.Text.Json.Serialization;
using DreamTime.Diffusion;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Representations;

namespace DreamTime.Training;

/// <summary>
/// Everything a run depends on. Saved as config.json in the run folder before training starts; a run is
/// reproduced (or resumed) from that file alone.
/// </summary>
public sealed record TrainConfig
{
    public string Prompt { get; init; } = "";
    public string NegativePrompt { get; init; } = "";
    /// <summary>Diffusers checkpoint folder; null = the built-in prior.</summary>
    public string? Model { get; init; }
    public string Device { get; init; } = "cpu";
    public TimestepOptions Timesteps { get; init; } = new() { Iterations = 1000 };
    public string BetaSchedule { get; init; } = "scaled_linear";

    public int Height { get; init; } = 64;
    public int Width { get; init; } = 64;
    public int BatchSize { get; init; } = 1;
    /// <summary>Classifier-free guidance scale; null = the guidance's own default.</summary>
    public double? GuidanceScale { get; init; }
    public string Weighting { get; init; } = "1-ab";
    public double? GradClip { get; init; }
    public bool ViewDependentPrompt { get; init; } = true;

    /// <summary>Probabilities of the shading modes per step (normalised): albedo, diffuse, textureless.</summary>
    public double ShadingAlbedo { get; init; } = 0.0;
    public double ShadingDiffuse { get; init; } = 1.0;
    public double ShadingTextureless { get; init; } = 0.0;

    public double LrEncoding { get; init; } = 0.01;
    // Measured on "a red mushroom", 600 steps at 32x32: with 0.001 for the MLPs and background the result stayed
    // at 8.8 dB after 100 steps with a purple background; 0.01 reached 25.6 dB and a white background.
    public double LrNetwork { get; init; } = 0.01;
    public double LrBackground { get; init; } = 0.01;
    public double LambdaOrientation { get; init; } = 0.01;
    public double LambdaSparsity { get; init; } = 0.0;
    public double LambdaOpacityEntropy { get; init; } = 0.0;

    public CameraRanges Cameras { get; init; } = new();
    public int PreviewEvery { get; init; } = 100;
    public int CheckpointEvery { get; init; } = 100;
    public int EvalEvery { get; init; } = 50;
    public int EvalResolution { get; init; } = 64;
    public int MeshResolution { get; init; } = 96;
    // Density iso-level of the exported mesh. Measured on a trained "a red mushroom" (64x64, 800 steps), mesh mask IoU
    // against the nearest member: 2: 0.89, 4: 0.94, 5: 0.95, 6: 0.955, 8: 0.90, 10: 0.80, 15: 0.52 (density saturates near 10).
    public double MeshThreshold { get; init; } = 5;
    public int TurntableFrames { get; init; } = 36;
    public int TurntableResolution { get; init; } = 128;
    public NerfConfig Nerf { get; init; } = new();

    public long Seed => Timesteps.Seed;
    public int Iterations => Timesteps.Iterations;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static TrainConfig FromJson(string text, string path)
    {
        TrainConfig cfg;
        try { cfg = JsonSerializer.Deserialize<TrainConfig>(text, Json) ?? throw new UserError($"{path}: empty configuration"); }
        catch (JsonException e) { throw new UserError($"{path}: invalid configuration ({e.Message.Split('\n')[0]})"); }
        // JSON null overrides the non-nullable defaults; caught here, it would be a NullReferenceException mid-setup.
        foreach (var (key, value) in new (string, object?)[]
                 {
                     ("prompt", cfg.Prompt), ("negative_prompt", cfg.NegativePrompt), ("device", cfg.Device), ("timesteps", cfg.Timesteps),
                     ("beta_schedule", cfg.BetaSchedule), ("weighting", cfg.Weighting), ("cameras", cfg.Cameras), ("nerf", cfg.Nerf),
                 })
            if (value is null) throw new UserError($"{path}: '{key}' is null; give it a value or remove the key to use the default");
        return cfg;
    }

    public void Validate()
    {
        if (Height < 8 || Width < 8 || Height > 1024 || Width > 1024) throw new UserError($"--resolution {Height}x{Width}: must be between 8 and 1024");
        if (BatchSize < 1 || BatchSize > 64) throw new UserError($"--batch-size {BatchSize}: must be in [1, 64]");
        if (new[] { ShadingAlbedo, ShadingDiffuse, ShadingTextureless }.Any(p => p < 0) || ShadingAlbedo + ShadingDiffuse + ShadingTextureless <= 0)
            throw new UserError("--shading: probabilities must be non-negative and not all zero");
        if (GuidanceScale is double g && !(g >= 0 && g < 1e4)) throw new UserError($"--guidance-scale {g}: must be in [0, 10000)");
        if (PreviewEvery < 0 || CheckpointEvery < 0 || EvalEvery < 0) throw new UserError("--preview-every/--checkpoint-every/--eval-every: must be >= 0 (0 = never)");
        if (EvalResolution < 8 || EvalResolution > 1024) throw new UserError($"eval_resolution {EvalResolution}: must be between 8 and 1024");
        if (TurntableResolution < 8 || TurntableResolution > 2048) throw new UserError($"turntable_resolution {TurntableResolution}: must be between 8 and 2048");
        if (!double.IsFinite(MeshThreshold)) throw new UserError($"mesh_threshold {MeshThreshold}: must be a finite number");
        Cameras.Validate();
        if (MeshResolution < 16 || MeshResolution > 512) throw new UserError($"--mesh-resolution {MeshResolution}: must be in [16, 512]");
        if (TurntableFrames < 1 || TurntableFrames > 360) throw new UserError($"--turntable-frames {TurntableFrames}: must be in [1, 360]");
        foreach (var (name, v) in new[] { ("--lr", LrEncoding), ("--lr-network", LrNetwork), ("--lr-background", LrBackground) })
            if (!(v > 0 && v < 10)) throw new UserError($"{name} {v}: must be in (0, 10)");
        ScoreDistillation.ParseWeighting(Weighting);
    }
}
