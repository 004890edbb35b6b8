using System.Text.Json.Serialization;

namespace DreamTime.Studies.Comparison;

/// <summary>
/// One training run of a comparison: its PSNR curve, the member it ended nearest to among those the prompt names,
/// and the member nearest among the prompt's whole family (whether the result has the prompt's attributes).
/// </summary>
public sealed record ComparisonRun(string Prompt, string Strategy, long Seed, IReadOnlyList<CurvePoint> Curve,
    string Nearest, int NearestIndex, double Seconds, string FamilyNearest, bool HasAttributes)
{
    [JsonIgnore] public double FinalPsnr => Curve[^1].Psnr;
    [JsonIgnore] public double FinalIou => Curve[^1].Iou;
    /// <summary>First evaluated iteration whose PSNR reaches the threshold (convergence), or null.</summary>
    public int? FirstReaching(double psnr) => Curve.Where(c => c.Psnr >= psnr).Select(c => (int?)c.Step).FirstOrDefault();
}
