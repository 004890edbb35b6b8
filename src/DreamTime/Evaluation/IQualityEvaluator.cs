using DreamTime.Imaging;

namespace DreamTime.Evaluation;

/// <summary>
/// Ground-truth quality of a result, where a guidance's data are known (the built-in prior knows its members;
/// Stable Diffusion has none). Anything that renders a camera can be scored: the trained representation, or
/// its exported mesh.
/// </summary>
public interface IQualityEvaluator
{
    /// <summary>Renders at the evaluation resolution.</summary>
    QualityResult Evaluate(ViewRenderer render);

    /// <summary>The levels whose first reaching iteration a run reports (metrics.json), e.g. psnr 20 and 25; the first
    /// one's metric is the headline metric (a comparison's curves and thresholds read it).</summary>
    IReadOnlyList<QualityMilestone> Milestones { get; }

    /// <summary>A picture of the result beside the reference it was scored against.</summary>
    RgbImage Comparison(ViewRenderer render, QualityResult result);
}
