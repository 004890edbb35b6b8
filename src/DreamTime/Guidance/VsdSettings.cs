using DreamTime.Guidance.StableDiffusion;
using DreamTime.Guidance.Vsd;
using DreamTime.Models.Lora;
using DreamTime.Runtime;

namespace DreamTime.Guidance;

/// <summary>
/// Variational score distillation (ProlificDreamer) with a diffusers model: the shipped learned prior by default,
/// or a Stable Diffusion folder. The guided prediction of the frozen model is compared with a LoRA copy's estimate
/// of the renders' own score, trained on them as the run goes.
/// </summary>
public sealed record VsdSettings : GuidanceSettings
{
    /// <summary>ProlificDreamer's: VSD works at an ordinary guidance scale, where SDS needs 100.</summary>
    public const double DefaultGuidanceScale = 7.5;

    /// <summary>A diffusers folder (latent or pixel-space); null = the learned prior that ships with DreamTime.</summary>
    public string? Model { get; init; }
    public bool ViewDependentPrompt { get; init; } = true;
    /// <summary>Side of the square image fed to the model; null = the model's resolution.</summary>
    public int? Resolution { get; init; }
    /// <summary>"sample" (a VAE posterior sample) or "mean"; pixel-space models ignore it.</summary>
    public string LatentMode { get; init; } = "sample";
    public int LoraRank { get; init; } = 4;
    /// <summary>null = the rank (scale 1).</summary>
    public double? LoraAlpha { get; init; }
    /// <summary>The projections that get adapters; null = every attention projection.</summary>
    public IReadOnlyList<string>? LoraTargets { get; init; }
    /// <summary>AdamW's learning rate for the adapters and the camera embedding.</summary>
    public double LoraLr { get; init; } = 1e-4;
    public double CameraDropout { get; init; } = 0.1;
    public double LoraGuidanceScale { get; init; } = 1;

    [System.Text.Json.Serialization.JsonIgnore] public string ModelFolder => Model ?? ShippedModel.Folder;

    /// <summary>Value equality, the target list element by element.</summary>
    public bool Equals(VsdSettings? other) =>
        base.Equals(other) && Model == other!.Model && ViewDependentPrompt == other.ViewDependentPrompt
        && Resolution == other.Resolution && LatentMode == other.LatentMode && LoraRank == other.LoraRank && LoraAlpha == other.LoraAlpha
        && (LoraTargets ?? []).SequenceEqual(other.LoraTargets ?? []) && (LoraTargets is null) == (other.LoraTargets is null)
        && LoraLr == other.LoraLr && CameraDropout == other.CameraDropout && LoraGuidanceScale == other.LoraGuidanceScale;

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Model, LoraRank, LoraLr);

    protected override bool AcceptsLora => true;

    public override void Validate()
    {
        base.Validate();
        if (Model is not null && string.IsNullOrWhiteSpace(Model))
            throw new UserError("model", "is empty; give a diffusers folder or remove the key for the shipped learned prior");
        if (LatentMode is not ("sample" or "mean")) throw new UserError("latent_mode", $"{LatentMode}: use sample or mean");
        ToVsdOptions(0).Validate();
    }

    protected override void ValidateOptions() => ToOptions().Validate();

    public StableDiffusionGuidanceOptions ToOptions() =>
        DiffusersOptions(DefaultGuidanceScale, ViewDependentPrompt, Resolution,
            LatentMode == "mean" ? StableDiffusion.LatentMode.Mean : StableDiffusion.LatentMode.Sample);

    public VsdOptions ToVsdOptions(long seed) => new()
    {
        Lora = new LoraSettings { Rank = LoraRank, Alpha = LoraAlpha, Targets = LoraTargets },
        LearningRate = LoraLr,
        CameraDropout = CameraDropout,
        LoraGuidanceScale = LoraGuidanceScale,
        Seed = seed,
    };
}
