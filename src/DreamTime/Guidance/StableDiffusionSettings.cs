using DreamTime.Guidance.StableDiffusion;

namespace DreamTime.Guidance;

/// <summary>A Stable Diffusion checkpoint in the diffusers folder layout.</summary>
public sealed record StableDiffusionSettings : CheckpointGuidanceSettings
{
    public const double DefaultGuidanceScale = 100;

    /// <summary>Append ", front view" / ", side view" / ", back view" / ", overhead view" by camera.</summary>
    public bool ViewDependentPrompt { get; init; } = true;

    protected override string ModelRequirement => "the stable-diffusion guidance needs a diffusers checkpoint folder";

    public override StableDiffusionGuidanceOptions ToOptions() => Options(DefaultGuidanceScale, ViewDependentPrompt);
}
