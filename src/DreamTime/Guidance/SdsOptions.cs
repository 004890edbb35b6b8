using DreamTime.Diffusion;
using DreamTime.Runtime;

namespace DreamTime.Guidance;

/// <summary>Settings every score-distillation guidance shares.</summary>
public sealed record SdsOptions(SdsWeighting Weighting, double? GradClip)
{
    /// <summary>
    /// Bound of the guidance scale: 100 times the largest in use (DreamFusion's 100), and far enough below float32's
    /// range that eps_u + s (eps_c - eps_u) stays finite.
    /// </summary>
    public const double MaxGuidanceScale = 1e4;

    /// <summary>
    /// The one check of the knobs every guidance's options share (keys as in config.json's guidance section): the
    /// classifier-free guidance scale must be in [0, <see cref="MaxGuidanceScale"/>), the gradient clip (when set)
    /// a positive number.
    /// </summary>
    public static void Check(double guidanceScale, double? gradClip)
    {
        if (!(guidanceScale >= 0 && guidanceScale < MaxGuidanceScale))
            throw new UserError("guidance_scale", $"is {guidanceScale}; must be in [0, {MaxGuidanceScale})");
        if (gradClip is double c && !(c > 0 && double.IsFinite(c)))
            throw new UserError("grad_clip", $"is {c}; must be a positive number (or null for no clipping)");
    }
}
