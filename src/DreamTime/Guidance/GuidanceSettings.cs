using DreamTime.Diffusion;
using DreamTime.Guidance.StableDiffusion;
using DreamTime.Models.Lora;
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

    /// <summary>LoRA files merged into the model before distilling (`--lora FILE[:SCALE]`); only diffusers models take them.</summary>
    public IReadOnlyList<LoraReference> Loras { get; init; } = [];

    /// <summary>Settings are equal when every value is, the LoRA list element by element (a record would compare the
    /// lists' references).</summary>
    public virtual bool Equals(GuidanceSettings? other) =>
        other is not null && EqualityContract == other.EqualityContract && GuidanceScale == other.GuidanceScale
        && Weighting == other.Weighting && GradClip == other.GradClip && Loras.SequenceEqual(other.Loras);

    public override int GetHashCode() => HashCode.Combine(EqualityContract, GuidanceScale, Weighting, GradClip, Loras.Count);

    /// <summary>Whether the guidance distils a diffusers model that <see cref="Loras"/> can be merged into.</summary>
    [System.Text.Json.Serialization.JsonIgnore] protected virtual bool AcceptsLora => false;

    /// <summary>How an image-to-3D input is framed when reference.framing is "auto": "center" (Zero-1-to-3's inputs) or "none".</summary>
    [System.Text.Json.Serialization.JsonIgnore] public virtual string ImageFraming => "center";

    public virtual void Validate()
    {
        if (Weighting is null) throw new UserError("weighting", "is null; give it a value or remove the key to use the default");
        ScoreDistillation.ParseWeighting(Weighting);
        if (Loras is null) throw new UserError("loras", "is null; give a list (possibly empty) or remove the key");
        if (Loras.Count > 0 && !AcceptsLora)
            throw new UserError("loras", "this guidance has no diffusers model to merge a LoRA into; use --prior learned, --model DIR or " +
                "--guidance vsd");
        for (int i = 0; i < Loras.Count; i++)
        {
            if (Loras[i] is null) throw new UserError($"loras.{i}", "is null");
            Loras[i].Validate($"loras.{i}");
        }
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
