using DreamTime.Guidance.StableDiffusion;
using DreamTime.Rendering;

namespace DreamTime.Guidance;

/// <summary>A Stable Diffusion checkpoint in the diffusers folder layout.</summary>
public sealed record StableDiffusionSettings : CheckpointGuidanceSettings
{
    public const double DefaultGuidanceScale = 100;
    /// <summary>Fantasia3D's geometry stage feeds normals as latents for its first 1000 of 10000 steps.</summary>
    public const double DefaultNormalLatentFraction = 0.1;

    /// <summary>Append ", front view" / ", side view" / ", back view" / ", overhead view" by camera.</summary>
    public bool ViewDependentPrompt { get; init; } = true;
    /// <summary>
    /// For a stage whose guidance_input is "normal": its first steps whose latents are the normal image (2 n - 1, 3
    /// channels) and the opacity (1 channel) resized to the latent size, with no VAE; after them the normal image is
    /// encoded as any image. null = a tenth of the stage's iterations (none for a model without 4-channel latents).
    /// Ignored for shaded input.
    /// </summary>
    public int? NormalLatentSteps { get; init; }

    protected override string ModelRequirement => "the stable-diffusion guidance needs a diffusers checkpoint folder";

    public override StableDiffusionGuidanceOptions ToOptions() =>
        Options(DefaultGuidanceScale, ViewDependentPrompt) with { NormalLatentSteps = NormalLatentSteps ?? 0 };

    /// <summary>The options for a stage: what it feeds the guidance, its iteration count (for the default number of
    /// normal-latent steps), and whether the model has latents a normal image and its opacity can stand in for.</summary>
    public StableDiffusionGuidanceOptions ToOptions(ImageModality input, int stageIterations, bool fourChannelLatents) =>
        ToOptions() with
        {
            Input = input,
            NormalLatentSteps = input != ImageModality.Normal ? 0
                : NormalLatentSteps ?? (fourChannelLatents ? (int)(DefaultNormalLatentFraction * stageIterations) : 0),
        };
}
