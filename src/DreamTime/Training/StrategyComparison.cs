using System.Globalization;
using System.Text;
using DreamTime.Imaging;
using DreamTime.Runtime;
using TorchSharp;

namespace DreamTime.Training;

/// <summary>One training run of a comparison: its PSNR curve and where it ended.</summary>
public sealed record ComparisonRun(string Prompt, string Strategy, long Seed, IReadOnlyList<(int Step, double Psnr, double Iou)> Curve,
    string Nearest, int NearestIndex, double Seconds)
{
    public double FinalPsnr => Curve[^1].Psnr;
    public double FinalIou => Curve[^1].Iou;
    /// <summary>First evaluated iteration whose PSNR reaches the threshold (convergence), or null.</summary>
    public int? FirstReaching(double psnr) => Curve.Where(c => c.Psnr >= psnr).Select(c => (int?)c.Step).FirstOrDefault();
}

/// <summary>Aggregate of one (prompt, strategy) over seeds.</summary>
public sealed record ComparisonSummary(string Prompt, string Strategy, int Runs, double MeanPsnr, double SdPsnr, double MeanIou,
    double? MeanFirstReaching, int Reached, int DistinctMembers);

/// <summary>
/// Measures the paper's claims against the built-in prior's ground truth: the same prompts and seeds trained
/// with each timestep strategy; fidelity (PSNR / mask IoU to the nearest member), convergence (first iteration
/// reaching a PSNR threshold) and diversity (distinct members reached across seeds).
/// </summary>
public sealed class StrategyComparison(TrainConfig baseConfig, double convergencePsnr, TextWriter log)
{
    public List<ComparisonRun> Runs { get; } = new();

    /// <summary>Runs that stopped on NaN/Inf, as "prompt | strategy | seed: reason".</summary>
    public List<string> Diverged { get; } = new();

    /// <summary>Trains one run; a run that diverges is recorded in <see cref="Diverged"/> and returns null.</summary>
    public ComparisonRun? RunOne(string prompt, string strategy, long seed)
    {
        var cfg = baseConfig with { Prompt = prompt, Timesteps = baseConfig.Timesteps with { Strategy = strategy, Seed = seed } };
        cfg.Validate();
        var (guidance, evaluator) = GuidanceFactory.Create(cfg, torch.CPU);
        // Nothing is written: the trainer's run folder is only used for checkpoints and previews, which this loop never asks for.
        using var trainer = new Trainer(cfg, new RunFolder(Path.GetTempPath()), guidance, evaluator, torch.CPU);
        var curve = new List<(int, double, double)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        QualityResult? q = null;
        for (int step = 1; step <= cfg.Iterations; step++)
        {
            try { trainer.Step(step); }
            catch (TrainingDivergedException e)
            {
                Diverged.Add($"{prompt} | {strategy} | seed {seed}: {e.Message}");
                log.WriteLine($"  {prompt} | {strategy} | seed {seed}: diverged ({e.Message})");
                return null;
            }
            if (step % cfg.EvalEvery == 0 || step == cfg.Iterations)
            {
                q = trainer.Evaluate()!;
                curve.Add((step, q.Psnr, q.MaskIou));
            }
        }
        var run = new ComparisonRun(prompt, strategy, seed, curve, q!.NearestMember, q.NearestIndex, clock.Elapsed.TotalSeconds);
        log.WriteLine($"  {prompt} | {strategy} | seed {seed}: PSNR {run.FinalPsnr:F2} dB, IoU {run.FinalIou:F3}, nearest {run.Nearest}, " +
                      $"PSNR>={convergencePsnr} at {run.FirstReaching(convergencePsnr)?.ToString() ?? "never"} ({run.Seconds:F0} s)");
        Runs.Add(run);
        return run;
    }

    public IReadOnlyList<ComparisonSummary> Summaries() => Runs.GroupBy(r => (r.Prompt, r.Strategy)).Select(g =>
    {
        var ps = g.Select(r => r.FinalPsnr).ToList();
        double mean = ps.Average(), sd = ps.Count > 1 ? Math.Sqrt(ps.Sum(p => (p - mean) * (p - mean)) / (ps.Count - 1)) : 0;
        var reached = g.Select(r => r.FirstReaching(convergencePsnr)).Where(x => x != null).Select(x => (double)x!.Value).ToList();
        return new ComparisonSummary(g.Key.Prompt, g.Key.Strategy, ps.Count, mean, sd, g.Average(r => r.FinalIou),
            reached.Count > 0 ? reached.Average() : null, reached.Count, g.Select(r => r.NearestIndex).Distinct().Count());
    }).ToList();

    public string Table()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"| prompt | strategy | runs | final PSNR (dB) | mask IoU | first iter PSNR>={convergencePsnr.ToString(CultureInfo.InvariantCulture)} (runs reaching) | distinct members |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var s in Summaries())
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {s.Prompt} | {s.Strategy} | {s.Runs} | {s.MeanPsnr:F2} ± {s.SdPsnr:F2} | {s.MeanIou:F3} | {(s.MeanFirstReaching is double f ? f.ToString("F0", CultureInfo.InvariantCulture) : "-")} ({s.Reached}/{s.Runs}) | {s.DistinctMembers} |"));
        return sb.ToString();
    }

    public string Csv()
    {
        var sb = new StringBuilder("prompt,strategy,seed,final_psnr,final_mask_iou,nearest_member,first_iteration_reaching,seconds\n");
        foreach (var r in Runs)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"\"{r.Prompt}\",{r.Strategy},{r.Seed},{r.FinalPsnr:F3},{r.FinalIou:F4},\"{r.Nearest}\",{r.FirstReaching(convergencePsnr)?.ToString() ?? ""},{r.Seconds:F1}"));
        return sb.ToString();
    }

    /// <summary>Mean PSNR against iteration, one panel per prompt, one line per strategy.</summary>
    public void WritePlot(string path)
    {
        var prompts = Runs.Select(r => r.Prompt).Distinct().ToList();
        using var fig = new PanelFigure(520 * prompts.Count, 460, 1, prompts.Count) { Title = "Fidelity to the nearest member (mean over seeds)" };
        for (int i = 0; i < prompts.Count; i++)
        {
            var ax = fig.Panel(0, i);
            ax.Title(prompts[i]);
            ax.XLabel("iteration");
            ax.YLabel("PSNR (dB)");
            foreach (var g in Runs.Where(r => r.Prompt == prompts[i]).GroupBy(r => r.Strategy))
            {
                var steps = g.First().Curve.Select(c => (double)c.Step).ToArray();
                var mean = steps.Select((_, k) => g.Average(r => r.Curve[k].Psnr)).ToArray();
                ax.AddLine(g.Key, steps, mean).MarkerSize = 7;
            }
        }
        fig.SavePng(path);
    }
}
