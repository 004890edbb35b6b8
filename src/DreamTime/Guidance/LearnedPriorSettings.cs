using DreamTime.Guidance.StableDiffusion;
using DreamTime.Runtime;

namespace DreamTime.Guidance;

/// <summary>
/// The learned prior: a small pixel-space diffusion model trained on the built-in scene families (`prior train`),
/// distilled exactly as a Stable Diffusion checkpoint is, and scored against the same ground truth as the
/// built-in prior (the members the prompt names).
/// </summary>
public sealed record LearnedPriorSettings : GuidanceSettings
{
    /// <summary>
    /// threestudio's default for the one pixel-space model it distils, DeepFloyd IF's first stage; chosen before
    /// any comparison and not tuned on it.
    /// </summary>
    public const double DefaultGuidanceScale = 20;

    /// <summary>The model folder (diffusers layout, no vae/); null = the model that ships with DreamTime.</summary>
    public string? Model { get; init; }
    /// <summary>Append ", front view" / ", side view" / ... by camera, as the training captions do.</summary>
    public bool ViewDependentPrompt { get; init; } = true;

    [System.Text.Json.Serialization.JsonIgnore] public string ModelFolder => Model ?? ShippedModel.Folder;

    protected override bool AcceptsLora => true;

    public override void Validate()
    {
        base.Validate();
        if (Model is not null && string.IsNullOrWhiteSpace(Model))
            throw new UserError("model", "is empty; give a learned-prior folder or remove the key for the shipped model");
    }

    protected override void ValidateOptions() => ToOptions().Validate();

    public StableDiffusionGuidanceOptions ToOptions() =>
        DiffusersOptions(DefaultGuidanceScale, ViewDependentPrompt, resolution: null, StableDiffusion.LatentMode.Mean);
}
