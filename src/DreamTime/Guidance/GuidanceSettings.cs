using DreamTime.Diffusion;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Guidance.StableDiffusion;
using DreamTime.Runtime;
using DreamTime.LearnedPrior;

namespace DreamTime.Guidance;

/// <summary>
/// Settings of a guidance, chosen in config.json by "type" (see <see cref="Configuration.Components"/>). The
/// score-distillation knobs every guidance shares live here; each registered guidance adds its own.
/// </summary>
public abstract record GuidanceSettings
{
    /// <summary>Classifier-free guidance scale; null = the guidance's own default.</summary>
    public double? GuidanceScale { get; init; }
    /// <summary>SDS weighting w(t) by name (see <see cref="ScoreDistillation.WeightingNames"/>).</summary>
    public string Weighting { get; init; } = "1-ab";
    /// <summary>Clip of the SDS gradient to [-c, c] (threestudio's grad_clip); null = none.</summary>
    public double? GradClip { get; init; }

    /// <summary>How an image-to-3D input is framed when reference.framing is "auto": "center" (Zero-1-to-3's inputs) or "none".</summary>
    [System.Text.Json.Serialization.JsonIgnore] public virtual string ImageFraming => "center";

    public virtual void Validate()
    {
        if (GuidanceScale is double g && !(g >= 0 && g < 1e4)) throw new UserError($"--guidance-scale {g}: must be in [0, 10000)");
        if (GradClip is double c && !(c > 0)) throw new UserError($"--grad-clip {c}: must be > 0");
        if (Weighting is null) throw new UserError("guidance.weighting: is null; give it a value or remove the key to use the default");
        ScoreDistillation.ParseWeighting(Weighting);
    }
}

/// <summary>The built-in prior: exact denoiser of procedural scene families (no downloads).</summary>
public sealed record BuiltinPriorSettings : GuidanceSettings
{
    /// <summary>Noise table of the prior ("scaled_linear" = Stable Diffusion's, so strategies mean the same t).</summary>
    public string BetaSchedule { get; init; } = "scaled_linear";
    /// <inheritdoc cref="BuiltinPriorOptions.TemperaturePixels"/>
    public double? TemperaturePixels { get; init; } = BuiltinPriorOptions.DefaultTemperaturePixels;
    /// <summary>Members of the unconditional model: "all" families or the prompt's "family".</summary>
    public string Unconditional { get; init; } = "all";
    public int Supersample { get; init; } = BuiltinPriorOptions.DefaultSupersample;

    public override void Validate()
    {
        base.Validate();
        if (BetaSchedule is null || !NoiseSchedule.BetaScheduleNames.Contains(BetaSchedule))
            throw new UserError($"guidance.beta_schedule {BetaSchedule}: unknown; allowed: {string.Join(", ", NoiseSchedule.BetaScheduleNames)}");
        ToOptions().Validate();
    }

    public BuiltinPriorOptions ToOptions() => new()
    {
        GuidanceScale = GuidanceScale ?? BuiltinPriorOptions.DefaultGuidanceScale,
        Weighting = ScoreDistillation.ParseWeighting(Weighting),
        GradClip = GradClip,
        Schedule = new NoiseSchedule(BetaSchedule),
        TemperaturePixels = TemperaturePixels,
        Unconditional = BuiltinPriorOptions.ParseUnconditional(Unconditional ?? "", "guidance.unconditional"),
        Supersample = Supersample,
    };
}

/// <summary>
/// The built-in prior conditioned on an input image instead of a prompt (image-to-3D with no downloads): the
/// members are weighted by how well each, seen from the input camera, explains the image.
/// </summary>
public sealed record BuiltinImagePriorSettings : GuidanceSettings
{
    public string BetaSchedule { get; init; } = "scaled_linear";
    /// <inheritdoc cref="BuiltinPriorOptions.TemperaturePixels"/>
    public double? TemperaturePixels { get; init; } = BuiltinPriorOptions.DefaultTemperaturePixels;
    public int Supersample { get; init; } = BuiltinPriorOptions.DefaultSupersample;
    /// <summary>Standard deviation of the input image's pixels about a member's render in the image likelihood (colours in [0, 1]).</summary>
    public double ImageNoise { get; init; } = BuiltinPriorGuidance.DefaultImageNoise;

    /// <summary>The input is a render taken with the input camera: framing it again would move the object away from where that camera sees it.</summary>
    public override string ImageFraming => "none";

    public override void Validate()
    {
        base.Validate();
        if (BetaSchedule is null || !NoiseSchedule.BetaScheduleNames.Contains(BetaSchedule))
            throw new UserError($"guidance.beta_schedule {BetaSchedule}: unknown; allowed: {string.Join(", ", NoiseSchedule.BetaScheduleNames)}");
        if (!(ImageNoise > 0 && double.IsFinite(ImageNoise))) throw new UserError($"guidance.image_noise {ImageNoise}: must be a positive number");
        ToOptions().Validate();
    }

    public BuiltinPriorOptions ToOptions() => new()
    {
        GuidanceScale = GuidanceScale ?? BuiltinPriorOptions.DefaultGuidanceScale,
        Weighting = ScoreDistillation.ParseWeighting(Weighting),
        GradClip = GradClip,
        Schedule = new NoiseSchedule(BetaSchedule),
        TemperaturePixels = TemperaturePixels,
        Supersample = Supersample,
    };
}

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

    /// <summary>What --model must name, for the error when it is missing.</summary>
    protected abstract string ModelRequirement { get; }

    public override void Validate()
    {
        base.Validate();
        if (string.IsNullOrWhiteSpace(Model)) throw new UserError($"--model: {ModelRequirement}");
        if (LatentMode is not ("sample" or "mean")) throw new UserError($"guidance.latent_mode {LatentMode}: use sample or mean");
    }

    protected StableDiffusionGuidanceOptions Options(double defaultGuidanceScale, bool viewDependentPrompt) => new()
    {
        GuidanceScale = GuidanceScale ?? defaultGuidanceScale,
        Weighting = ScoreDistillation.ParseWeighting(Weighting),
        GradClip = GradClip,
        ViewDependentPrompt = viewDependentPrompt,
        Resolution = Resolution,
        LatentMode = LatentMode == "mean" ? StableDiffusion.LatentMode.Mean : StableDiffusion.LatentMode.Sample,
    };
}

/// <summary>A Zero-1-to-3 checkpoint in the diffusers community layout (image-to-3D; needs reference.image): image_encoder/, cc_projection/, unet/, vae/, scheduler/.</summary>
public sealed record Zero123Settings : CheckpointGuidanceSettings
{
    /// <summary>threestudio's zero123 default.</summary>
    public const double DefaultGuidanceScale = 3;

    protected override string ModelRequirement => "the zero123 guidance needs a Zero-1-to-3 checkpoint folder";

    public override void Validate()
    {
        base.Validate();
        ToOptions().Validate();
    }

    public StableDiffusionGuidanceOptions ToOptions() => Options(DefaultGuidanceScale, viewDependentPrompt: false);
}

/// <summary>A Stable Diffusion checkpoint in the diffusers folder layout.</summary>
public sealed record StableDiffusionSettings : CheckpointGuidanceSettings
{
    public const double DefaultGuidanceScale = 100;

    /// <summary>Append ", front view" / ", side view" / ", back view" / ", overhead view" by camera.</summary>
    public bool ViewDependentPrompt { get; init; } = true;

    protected override string ModelRequirement => "the stable-diffusion guidance needs a diffusers checkpoint folder";

    public override void Validate()
    {
        base.Validate();
        ToOptions().Validate();
    }

    public StableDiffusionGuidanceOptions ToOptions() => Options(DefaultGuidanceScale, ViewDependentPrompt);
}

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

    public override void Validate()
    {
        base.Validate();
        if (Model is not null && string.IsNullOrWhiteSpace(Model)) throw new UserError("guidance.model: is empty; give a learned-prior folder or remove the key for the shipped model");
        ToOptions().Validate();
    }

    public StableDiffusionGuidanceOptions ToOptions() => new()
    {
        GuidanceScale = GuidanceScale ?? DefaultGuidanceScale,
        Weighting = ScoreDistillation.ParseWeighting(Weighting),
        GradClip = GradClip,
        ViewDependentPrompt = ViewDependentPrompt,
        LatentMode = StableDiffusion.LatentMode.Mean,
    };
}
