using DreamTime.Guidance.StableDiffusion;

namespace DreamTime.Guidance;

/// <summary>A Zero-1-to-3 checkpoint in the diffusers community layout (image-to-3D; needs
/// reference.image): image_encoder/, cc_projection/, unet/, vae/, scheduler/.</summary>
public sealed record Zero123Settings : CheckpointGuidanceSettings
{
    /// <summary>threestudio's zero123 default.</summary>
    public const double DefaultGuidanceScale = 3;

    protected override string ModelRequirement => "the zero123 guidance needs a Zero-1-to-3 checkpoint folder";

    public override StableDiffusionGuidanceOptions ToOptions() => Options(DefaultGuidanceScale, viewDependentPrompt: false);
}
