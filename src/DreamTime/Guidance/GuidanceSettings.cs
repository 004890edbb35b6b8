using DreamTime.Diffusion;
using DreamTime.Guidance.StableDiffusion;
using DreamTime.Runtime;

namespace DreamTime.Guidance;

/// <summary>
/// Settings of a guidance, chosen in config.json by "type" (see <see cref="Configuration.Components"/>). The
/// score-distillation knobs every guidance shares live here; each registered guidance adds its own. Keys of the
/// errors are relative to the guidance section (<see cref="Configuration.TrainConfig"/> puts them under "guidance.").
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
        if (Weighting is null) throw new UserError("weighting", "is null; give it a value or remove the key to use the default");
        ScoreDistillation.ParseWeighting(Weighting);
        ValidateOptions();
    }

    /// <summary>
    /// Validates what the guidance is built from (its options record, which checks the guidance scale and the
    /// gradient clip by <see cref="SdsOptions.Check"/>): each setting is checked in one place.
    /// </summary>
    protected abstract void ValidateOptions();

    /// <summary>The options of a guidance that distils a diffusers checkpoint (Stable Diffusion, Zero-1-to-3, the learned prior).</summary>
    protected StableDiffusionGuidanceOptions DiffusersOptions(double defaultGuidanceScale, bool viewDependentPrompt, int? resolution,
        LatentMode latentMode) => new()
        {
            GuidanceScale = GuidanceScale ?? defaultGuidanceScale,
            Weighting = ScoreDistillation.ParseWeighting(Weighting),
            GradClip = GradClip,
            ViewDependentPrompt = viewDependentPrompt,
            Resolution = resolution,
            LatentMode = latentMode,
        };
}
