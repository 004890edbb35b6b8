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
/// Measures the paper's claims against ground truth: the same prompts and seeds trained with each timestep
/// strategy through the one training loop (<see cref="TrainingSession"/>, writing nothing); fidelity (PSNR /
/// mask IoU to the nearest member), convergence (first iteration reaching a PSNR threshold) and diversity
/// (distinct members reached across seeds). Needs a guidance with a quality evaluator (the built-in prior).
/// </summary>
public sealed class StrategyComparison(TrainConfig baseConfig, double convergencePsnr, IRunObserver observer)
{
    public List<ComparisonRun> Runs { get; } = new();

    /// <summary>Runs that stopped on NaN/Inf, as "prompt | strategy | seed: reason".</summary>
    public List<string> Diverged { get; } = new();

    /// <summary>Checks every setting and prompt before any training, so bad input fails at once.</summary>
    public void Validate(IEnumerable<string> prompts, IEnumerable<string> strategies)
    {
        if (baseConfig.EvalEvery < 1) throw new UserError($"--eval-every {baseConfig.EvalEvery}: must be at least 1");
        foreach (var s in strategies) (baseConfig.Timesteps with { Strategy = s }).Validate(1000);
        foreach (var p in prompts) Configure(p, strategies.First(), 0).Validate();
        if (baseConfig.Guidance is Guidance.BuiltinPriorSettings)
            foreach (var p in prompts) Guidance.BuiltinPrior.PriorLibrary.Default.Select(p);
        else throw new UserError($"compare: needs ground truth; the {baseConfig.GuidanceName} guidance has none (use the built-in prior)");
    }

    private TrainConfig Configure(string prompt, string strategy, long seed) =>
        baseConfig with { Prompt = prompt, Timesteps = baseConfig.Timesteps with { Strategy = strategy, Seed = seed } };

    /// <summary>Every prompt x strategy x seed in turn.</summary>
    public void RunAll(IReadOnlyList<string> prompts, IReadOnlyList<string> strategies, int seeds, CancellationToken cancel = default)
    {
        Validate(prompts, strategies);
        int total = prompts.Count * strategies.Count * seeds, done = 0;
        foreach (var prompt in prompts)
        foreach (var s in strategies)
        for (int seed = 0; seed < seeds && !cancel.IsCancellationRequested; seed++)
        {
            observer.Log($"[{++done}/{total}] {prompt} | {s} | seed {seed}");
            RunOne(prompt, s, seed, cancel);
        }
    }

    /// <summary>Trains one run; a run that diverges is recorded in <see cref="Diverged"/> and returns null.</summary>
    public ComparisonRun? RunOne(string prompt, string strategy, long seed, CancellationToken cancel = default)
    {
        var cfg = Configure(prompt, strategy, seed);
        cfg.Validate();
        using var trainer = Trainer.Create(cfg, TorchSharp.torch.CPU);
        if (trainer.Evaluator == null) throw new UserError($"compare: the {cfg.GuidanceName} guidance has no ground truth to score against");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            if (new TrainingSession(trainer, null, observer).Run(cancel) == SessionOutcome.Interrupted) return null;
        }
        catch (TrainingDivergedException e)
        {
            Diverged.Add($"{prompt} | {strategy} | seed {seed}: {e.Message}");
            observer.Log($"  {prompt} | {strategy} | seed {seed}: diverged ({e.Message})");
            return null;
        }
        // The curve is the evaluations at multiples of eval_every and the last step, as the summary table reports them.
        var evals = trainer.History.Where(h => h.Psnr != null && (h.Step % cfg.EvalEvery == 0 || h.Step == cfg.Iterations)).ToList();
        var last = evals[^1];
        var run = new ComparisonRun(prompt, strategy, seed, evals.Select(h => (h.Step, h.Psnr!.Value, h.MaskIou!.Value)).ToList(),
            last.Nearest!, trainer.Evaluate()!.NearestIndex, clock.Elapsed.TotalSeconds);
        observer.Log($"  {prompt} | {strategy} | seed {seed}: PSNR {run.FinalPsnr:F2} dB, IoU {run.FinalIou:F3}, nearest {run.Nearest}, " +
                     $"PSNR>={convergencePsnr} at {run.FirstReaching(convergencePsnr)?.ToString() ?? "never"} ({run.Seconds:F0} s)");
        Runs.Add(run);
        return run;
    }

    /// <summary>results.csv, summary.md (the table) and curves.png in a folder.</summary>
    public void WriteOutputs(string dir, string heading)
    {
        AtomicFile.EnsureWritableFolder(dir, "--out");
        AtomicFile.WriteAllText(Path.Combine(dir, "results.csv"), Csv());
        AtomicFile.WriteAllText(Path.Combine(dir, "summary.md"), heading + "\n\n" + Table());
        WritePlot(Path.Combine(dir, "curves.png"));
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
