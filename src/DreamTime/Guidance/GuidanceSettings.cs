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
