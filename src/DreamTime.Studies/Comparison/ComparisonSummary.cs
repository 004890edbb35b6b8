namespace DreamTime.Studies.Comparison;

/// <summary>
/// Aggregate of one (prompt, strategy) over seeds. Diversity is the mean PSNR between the results of every pair
/// of seeds over the evaluation views (lower = more diverse; unlike a count of members it does not saturate at
/// the number of seeds); null with a single seed. OppositeSideGain is the runs' mean of
/// <see cref="StrategyComparison.OppositeSideGain(ComparisonRun)"/> (view consistency); null without kept views.
/// </summary>
public sealed record ComparisonSummary(string Prompt, string Strategy, int Runs, double MeanPsnr, double SdPsnr, double MeanIou,
    IReadOnlyList<(double? MeanFirst, int Reached)> Convergence, int WithAttributes, int DistinctMembers, double? PairwisePsnr,
    double? OppositeSideGain = null);
