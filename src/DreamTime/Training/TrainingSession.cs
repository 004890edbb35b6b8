using System.Diagnostics;
using System.Text.Json;
using DreamTime.Runtime;

namespace DreamTime.Training;

/// <summary>How a session ended.</summary>
public enum SessionOutcome { Completed, Interrupted }

/// <summary>
/// Drives a run from its first (or resumed) step to its outputs: logging, previews, evaluation, checkpoints,
/// Ctrl-C handling and the final exports.
/// </summary>
public sealed class TrainingSession(Trainer trainer, TextWriter log)
{
    public Func<Trainer, IReadOnlyList<StepRecord>, Dictionary<string, object?>>? Export { get; init; }

    public SessionOutcome Run(CancellationToken cancel)
    {
        var cfg = trainer.Config;
        var run = trainer.Run;
        int start = trainer.StepReached + 1;
        if (start > cfg.Iterations)
        {
            log.WriteLine($"run already finished at step {trainer.StepReached}; writing outputs again");
        }
        else
        {
            log.WriteLine(start == 1
                ? $"training '{cfg.Prompt}' with {trainer.Guidance.Name}, {cfg.Timesteps.Strategy}, {cfg.Iterations} iterations, {cfg.Height}x{cfg.Width}, seed {cfg.Seed} -> {run.Root}"
                : $"resuming '{cfg.Prompt}' at step {start} of {cfg.Iterations} -> {run.Root}");
        }
        // The log restarts from the checkpoint's history: steps after the checkpoint will be redone.
        AtomicFile.WriteAllText(run.MetricsLog, string.Concat(trainer.History.Select(h => LogLine(h) + "\n")));
        var progress = new ProgressBar(cfg.Iterations, start - 1);
        var wall = Stopwatch.StartNew();
        for (int step = start; step <= cfg.Iterations; step++)
        {
            if (cancel.IsCancellationRequested)
            {
                progress.Finish();
                trainer.SaveCheckpoint();
                log.WriteLine($"interrupted after step {trainer.StepReached}; checkpoint saved. Continue with: ./dreamtime generate --resume {run.Root}");
                return SessionOutcome.Interrupted;
            }
            var rec = trainer.Step(step);
            bool evalNow = trainer.Evaluator != null && cfg.EvalEvery > 0 && (step % cfg.EvalEvery == 0 || step == cfg.Iterations || step == 1);
            if (evalNow)
            {
                var q = trainer.Evaluate()!;
                rec = rec with { Psnr = q.Psnr, MaskIou = q.MaskIou, Nearest = q.NearestMember };
            }
            trainer.History.Add(rec);
            AppendLog(run.MetricsLog, rec);
            if (cfg.PreviewEvery > 0 && (step % cfg.PreviewEvery == 0 || step == 1)) trainer.WritePreview(step);
            if (cfg.CheckpointEvery > 0 && step % cfg.CheckpointEvery == 0) trainer.SaveCheckpoint();
            var last = trainer.History.LastOrDefault(h => h.Psnr != null);
            progress.Report(step, $"t={rec.T} loss={rec.Loss:G4}" + (last != null ? $" psnr={last.Psnr:F2}" : ""));
        }
        progress.Finish();
        bool savedLastStep = cfg.CheckpointEvery > 0 && cfg.Iterations % cfg.CheckpointEvery == 0;
        if (trainer.StepReached >= cfg.Iterations && start <= cfg.Iterations && !savedLastStep) trainer.SaveCheckpoint();
        log.WriteLine($"training done in {wall.Elapsed.TotalSeconds:F0} s; exporting");
        var summary = Export?.Invoke(trainer, trainer.History) ?? new Dictionary<string, object?>();
        summary["seconds_this_session"] = Math.Round(wall.Elapsed.TotalSeconds, 1);
        summary["peak_memory_mib"] = PeakMemoryMiB();
        AtomicFile.WriteAllText(run.Metrics, JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        return SessionOutcome.Completed;
    }

    private static readonly JsonSerializerOptions LogJson = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private static string LogLine(StepRecord rec) => JsonSerializer.Serialize(rec, LogJson);
    private static void AppendLog(string path, StepRecord rec) => File.AppendAllText(path, LogLine(rec) + "\n");

    /// <summary>Peak resident memory of this process in MiB (Linux VmHWM), or null where unknown.</summary>
    public static double? PeakMemoryMiB()
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:"));
            return line == null ? null : Math.Round(double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024, 1);
        }
        catch (IOException) { return null; }
    }
}
