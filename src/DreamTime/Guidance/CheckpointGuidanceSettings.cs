using DreamTime.Guidance.StableDiffusion;
using DreamTime.Runtime;

namespace DreamTime.Guidance;

/// <summary>
/// What the guidances that distil a latent diffusers checkpoint share: the folder, the size of the image the VAE
/// encodes, and whether it encodes to a posterior sample or its mean.
/// </summary>
public abstract record CheckpointGuidanceSettings : GuidanceSettings
{
    /// <summary>The checkpoint folder.</summary>
    public string Model { get; init; } = "";
    /// <summary>Side of the square image fed to the VAE; null = the model's resolution.</summary>
    public int? Resolution { get; init; }
    /// <summary>"sample" (a VAE posterior sample, threestudio) or "mean".</summary>
    public string LatentMode { get; init; } = "sample";

    protected override bool AcceptsLora => true;

    /// <summary>What the model key must name, for the error when it is missing.</summary>
    protected abstract string ModelRequirement { get; }

    public override void Validate()
    {
        base.Validate();
        if (string.IsNullOrWhiteSpace(Model)) throw new UserError("model", $"is empty; {ModelRequirement}");
        if (LatentMode is not ("sample" or "mean")) throw new UserError("latent_mode", $"{LatentMode}: use sample or mean");
    }

    protected override void ValidateOptions() => ToOptions().Validate();

    /// <summary>The options the guidance is built from.</summary>
    public abstract StableDiffusionGuidanceOptions ToOptions();

    protected StableDiffusionGuidanceOptions Options(double defaultGuidanceScale, bool viewDependentPrompt) =>
        DiffusersOptions(defaultGuidanceScale, viewDependentPrompt, Resolution,
            LatentMode == "mean" ? StableDiffusion.LatentMode.Mean : StableDiffusion.LatentMode.Sample);
}
