using DreamTime.Diffusion;
using DreamTime.Rendering;
using DreamTime.Runtime;

namespace DreamTime.Guidance.StableDiffusion;

/// <summary>Settings of Stable Diffusion score distillation; defaults as threestudio's DreamFusion-SD.</summary>
public sealed record StableDiffusionGuidanceOptions
{
    public double GuidanceScale { get; init; } = 100;
    public SdsWeighting Weighting { get; init; } = SdsWeighting.OneMinusAlphaBar;
    /// <summary>Clip the SDS gradient to [-c, c]; null = no clipping.</summary>
    public double? GradClip { get; init; }
    /// <summary>Append ", front view" / ", side view" / ", back view" / ", overhead view" by camera.</summary>
    public bool ViewDependentPrompt { get; init; } = true;
    /// <summary>Side of the square image fed to the VAE (to the UNet in pixel space);
    /// null = the model's resolution (UNet sample_size x VAE scale factor).</summary>
    public int? Resolution { get; init; }
    public LatentMode LatentMode { get; init; } = LatentMode.Sample;
    /// <summary>What the render's colours are: the shaded render, or the normal image (a stage's guidance_input "normal").</summary>
    public ImageModality Input { get; init; } = ImageModality.Shaded;
    /// <summary>
    /// In the normal modality, the stage's first steps (1 to this) whose latents are the normal image and the opacity
    /// themselves, resized to the latent size, rather than the VAE's encoding of the normal image (Fantasia3D's
    /// latent_steps); 0 = never.
    /// </summary>
    public int NormalLatentSteps { get; init; }

    /// <summary>The side of the square image the VAE encodes for a model:
    /// <see cref="Resolution"/>, or the model's own; a multiple of its VAE scale factor.</summary>
    public int ResolutionFor(int modelResolution, int vaeScaleFactor)
    {
        int r = Resolution ?? modelResolution;
        if (r % vaeScaleFactor != 0)
            throw new UserError("resolution", $"is {r}; must be a multiple of the VAE scale factor {vaeScaleFactor}");
        return r;
    }

    public void Validate()
    {
        SdsOptions.Check(GuidanceScale, GradClip);
        if (Resolution is int r && (r < 8 || r % 8 != 0))
            throw new UserError("resolution", $"is {r}; must be a positive multiple of 8 (or null for the model's resolution)");
        if (NormalLatentSteps < 0) throw new UserError("normal_latent_steps", $"is {NormalLatentSteps}; must be 0 or more");
    }
}
