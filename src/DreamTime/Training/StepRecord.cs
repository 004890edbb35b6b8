using System.Text.Json;
using System.Text.Json.Serialization;
using DreamTime.Guidance;
using DreamTime.IO;
using DreamTime.Representations;
using DreamTime.Runtime;
using DreamTime.Optimization;

namespace DreamTime.Training;

/// <summary>What one training step logged: the total loss, each named loss term, the guidance's stats, and evaluation where it ran.</summary>
public sealed record StepRecord(int Step, int T, double Loss, IReadOnlyDictionary<string, double> Losses,
    IReadOnlyDictionary<string, double> Stats, double Seconds, double? Psnr = null, double? MaskIou = null, string? Nearest = null)
{
    /// <summary>Norm of the SDS gradient w(t)(eps_hat - eps), where the guidance reported it.</summary>
    [JsonIgnore]
    public double? GradNorm => Stats.TryGetValue("grad_norm", out var g) ? g : null;
}
