namespace DreamTime.Evaluation;

/// <summary>A level of a metric whose first reaching iteration a run reports (convergence), e.g. psnr 20.</summary>
public sealed record QualityMilestone(string Metric, double Value)
{
    /// <summary>The metrics.json key of the first iteration reaching it, e.g. first_iteration_psnr_20.</summary>
    public string Key => FormattableString.Invariant($"first_iteration_{Metric}_{Value:G}");
}
