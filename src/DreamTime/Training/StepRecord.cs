using System.Text.Json.Serialization;
using DreamTime.Evaluation;

namespace DreamTime.Training;

/// <summary>
/// What one training step logged: the total loss, each named loss term, the guidance's stats, and, where the run
/// was evaluated at this step, the evaluator's named metrics and reference.
/// </summary>
public sealed record StepRecord(int Step, int T, double Loss, IReadOnlyDictionary<string, double> Losses,
    IReadOnlyDictionary<string, double> Stats, double Seconds, QualityResult? Evaluation = null)
{
    /// <summary>The name of the stage the step belongs to (steps count from 1 in every stage).</summary>
    public string? Stage { get; init; }

    /// <summary>Norm of the SDS gradient w(t)(eps_hat - eps), where the guidance reported it.</summary>
    [JsonIgnore]
    public double? GradNorm => Stats.TryGetValue("grad_norm", out var g) ? g : null;
}
