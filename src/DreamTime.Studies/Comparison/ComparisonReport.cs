using System.Globalization;
using System.Text;
using DreamTime.Imaging;
using DreamTime.Runtime;

namespace DreamTime.Studies.Comparison;

/// <summary>A study's outputs: the summary per (subject, strategy), the Markdown table, the CSV of runs and the curves.</summary>
public sealed class ComparisonReport(StrategyComparison study)
{
    private readonly StrategyComparison _study = study;

    /// <summary>results.csv, summary.md (the table) and curves.png in a folder.</summary>
    public void WriteOutputs(string dir, string heading)
    {
        AtomicFile.EnsureWritableFolder(dir, "study folder");
        AtomicFile.WriteAllText(Path.Combine(dir, "results.csv"), Csv());
        AtomicFile.WriteAllText(Path.Combine(dir, "summary.md"), heading + "\n\n" + Table());
        WritePlot(Path.Combine(dir, "curves.png"));
    }

    public IReadOnlyList<ComparisonSummary> Summaries() => _study.Runs.GroupBy(r => (r.Prompt, r.Strategy)).Select(g =>
    {
        var ps = g.Select(r => r.FinalPsnr).ToList();
        double mean = ps.Average(), sd = ps.Count > 1 ? Math.Sqrt(ps.Sum(p => (p - mean) * (p - mean)) / (ps.Count - 1)) : 0;
        var convergence = _study.Thresholds.Select(t =>
        {
            var reached = g.Select(r => r.FirstReaching(t)).Where(x => x != null).Select(x => (double)x!.Value).ToList();
            return (reached.Count > 0 ? (double?)reached.Average() : null, reached.Count);
        }).ToList();
        var sides = g.Select(_study.OppositeSideGain).OfType<double>().ToList();
        return new ComparisonSummary(g.Key.Prompt, g.Key.Strategy, ps.Count, mean, sd, g.Average(r => r.FinalIou), convergence,
            g.Count(r => r.HasAttributes), g.Select(r => r.NearestIndex).Distinct().Count(),
            _study.PairwisePsnr(g.Key.Prompt, g.Key.Strategy),
            sides.Count > 0 ? sides.Average() : null);
    }).ToList();

    private static string F(double x, string format) => x.ToString(format, CultureInfo.InvariantCulture);

    public string Table()
    {
        var sb = new StringBuilder();
        var first = string.Concat(_study.Thresholds.Select(t => $" first iter PSNR>={F(t, "G")} (runs reaching) |"));
        var (subject, attributes) = _study.ImageStudy ? ("image", "lands on the pictured member")
            : ("prompt", "has the prompt's attributes");
        sb.AppendLine(
            $"| {subject} | strategy | runs | final PSNR (dB) | mask IoU |{first} {attributes} | distinct members | PSNR between seeds " +
            "(dB) | opposite side - own side (dB) |");
        sb.AppendLine("|---|---|---|---|---|" + string.Concat(_study.Thresholds.Select(_ => "---|")) + "---|---|---|---|");
        foreach (var s in Summaries())
        {
            var conv = string.Concat(s.Convergence.Select(c =>
                $" {(c.MeanFirst is double f ? F(f, "F0") : "-")} ({c.Reached}/{s.Runs}) |"));
            sb.AppendLine(
                $"| {_study.Label(s.Prompt)} | {s.Strategy} | {s.Runs} | {F(s.MeanPsnr, "F2")} ± {F(s.SdPsnr, "F2")} | " +
                $"{F(s.MeanIou, "F3")} |{conv} {s.WithAttributes}/{s.Runs} | {s.DistinctMembers} | " +
                $"{(s.PairwisePsnr is double d ? F(d, "F2") : "-")} | {(s.OppositeSideGain is double o ? F(o, "+0.00;-0.00") : "-")} |");
        }
        return sb.ToString();
    }

    public string Csv()
    {
        var sb = new StringBuilder((_study.ImageStudy ? "image" : "prompt") + ",strategy,seed,final_psnr,final_mask_iou,nearest_member,"
            + string.Join(",", _study.Thresholds.Select(t => $"first_iteration_psnr_{F(t, "G")}"))
            + ",family_nearest,has_attributes,opposite_side_gain,seconds\n");
        foreach (var r in _study.Runs)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"\"{_study.Label(r.Prompt)}\",{r.Strategy},{r.Seed},{r.FinalPsnr:F3},{r.FinalIou:F4},\"{r.Nearest}\"," +
                $"{string.Join(",", _study.Thresholds.Select(t => r.FirstReaching(t)?.ToString(CultureInfo.InvariantCulture) ?? ""))}," +
                $"\"{r.FamilyNearest}\",{(r.HasAttributes ? 1 : 0)}," +
                $"{_study.OppositeSideGain(r)?.ToString("F3", CultureInfo.InvariantCulture) ?? ""},{r.Seconds:F1}"));
        return sb.ToString();
    }

    /// <summary>Mean PSNR against iteration, one panel per prompt, one line per strategy.</summary>
    public void WritePlot(string path)
    {
        var prompts = _study.Runs.Select(r => r.Prompt).Distinct().ToList();
        using var fig = new PanelFigure(520 * prompts.Count, 460, 1, prompts.Count)
        {
            Title = "Fidelity to the nearest member (mean over seeds)"
        };
        for (int i = 0; i < prompts.Count; i++)
        {
            var ax = fig.Panel(0, i);
            ax.Title(_study.Label(prompts[i]));
            ax.XLabel("iteration");
            ax.YLabel("PSNR (dB)");
            foreach (var g in _study.Runs.Where(r => r.Prompt == prompts[i]).GroupBy(r => r.Strategy))
            {
                var steps = g.First().Curve.Select(c => (double)c.Step).ToArray();
                var mean = steps.Select((_, k) => g.Average(r => r.Curve[k].Psnr)).ToArray();
                ax.AddLine(g.Key, steps, mean).MarkerSize = 7;
            }
        }
        fig.SavePng(path);
    }
}
