namespace DreamTime.Evaluation;

/// <summary>
/// One evaluation of a result against ground truth: named metrics (for the built-in families "psnr" and
/// "mask_iou"), and the reference it was scored against where the evaluator chooses one (the nearest member).
/// </summary>
public sealed record QualityResult(IReadOnlyDictionary<string, double> Metrics, string? Reference = null, int ReferenceIndex = -1)
{
    /// <summary>The metric's value, or null where this evaluation has no such metric.</summary>
    public double? Metric(string name) => Metrics.TryGetValue(name, out var v) ? v : null;
}
