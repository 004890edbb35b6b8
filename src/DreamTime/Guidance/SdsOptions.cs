using DreamTime.Diffusion;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Guidance;

/// <summary>Settings every score-distillation guidance shares.</summary>
public sealed record SdsOptions(SdsWeighting Weighting, double? GradClip)
{
    /// <summary>
    /// The one check of the knobs every guidance's options share (keys as in config.json's guidance section): the
    /// classifier-free guidance scale must be a finite number >= 0, the gradient clip (when set) a positive number.
    /// </summary>
    public static void Check(double guidanceScale, double? gradClip)
    {
        if (!(guidanceScale >= 0 && double.IsFinite(guidanceScale))) throw new UserError("guidance_scale", $"is {guidanceScale}; must be a finite number >= 0");
        if (gradClip is double c && !(c > 0 && double.IsFinite(c))) throw new UserError("grad_clip", $"is {c}; must be a positive number (or null for no clipping)");
    }
}
