using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using DreamTime.Runtime;

namespace DreamTime.Training;

/// <summary>
/// The one training loop: runs a trainer from its first (or resumed) step to the last, evaluating, logging and
/// reporting progress. With a run folder it also writes metrics.jsonl, previews and checkpoints, saves a checkpoint
/// on cancellation, and writes the final outputs; without one (a comparison) it writes nothing.
/// </summary>
public sealed class TrainingSession(Trainer trainer, RunFolder? run, IRunObserver observer)
{
    /// <summary>Final outputs (mesh, pictures); returns what goes into metrics.json. Only with a run folder.</summary>
    public Func<Trainer, RunFolder, IRunObserver, Dictionary<string, object?>>? Export { get; init; }

    public SessionOutcome Run(CancellationToken cancel)
    {
        var cfg = trainer.Config;
        int start = trainer.StepReached + 1;
        if (start > cfg.Iterations)
            observer.Log($"run already finished at step {trainer.StepReached}; writing outputs again");
        else
            observer.Log(start == 1
                ? $"training {cfg.Subject} with {trainer.Config.GuidanceName} guidance, " +
                    $"a {trainer.Config.RepresentationName}, {cfg.Timesteps.Strategy}, {cfg.Iterations} " +
                    $"iterations, {cfg.Height}x{cfg.Width}, seed {cfg.Seed}" + (run != null ? $" -> {run.Root}" : "")
                : $"resuming '{cfg.Prompt}' at step {start} of {cfg.Iterations}" + (run != null ? $" -> {run.Root}" : ""));
        // The log restarts from the checkpoint's history: steps after the checkpoint will be redone.
        if (run != null) AtomicFile.WriteAllText(run.MetricsLog, string.Concat(trainer.History.Select(h => LogLine(h) + "\n")));
        var wall = Stopwatch.StartNew();
        var loop = new TrainingLoop(trainer, observer)
        {
            CheckpointFolder = run?.LastCheckpoint,
            CheckpointEvery = cfg.CheckpointEvery,
            ResumeHint = $"Continue it by resuming the run in {run?.Root}",
            AfterStep = rec =>
            {
                int step = rec.Step;
                bool evalNow = trainer.Evaluator != null && cfg.EvalEvery > 0
                    && (step % cfg.EvalEvery == 0 || step == cfg.Iterations || step == 1);
                if (evalNow) rec = rec with { Evaluation = trainer.Evaluate() };
                trainer.History.Add(rec);
                if (run != null)
                {
                    File.AppendAllText(run.MetricsLog, LogLine(rec) + "\n");
                    if (cfg.PreviewEvery > 0 && (step % cfg.PreviewEvery == 0 || step == 1)) RunExports.WritePreview(trainer, run, step);
                }
                return rec;
            },
        };
        if (loop.Run(start, cfg.Iterations, cancel) == SessionOutcome.Interrupted) return SessionOutcome.Interrupted;
        if (run == null) return SessionOutcome.Completed;
        bool savedLastStep = cfg.CheckpointEvery > 0 && cfg.Iterations % cfg.CheckpointEvery == 0;
        if (trainer.StepReached >= cfg.Iterations && start <= cfg.Iterations && !savedLastStep) trainer.SaveCheckpoint(run.LastCheckpoint);
        observer.Log($"training done in {wall.Elapsed.TotalSeconds:F0} s; exporting");
        var summary = Export?.Invoke(trainer, run, observer) ?? new Dictionary<string, object?>();
        summary["seconds_this_session"] = Math.Round(wall.Elapsed.TotalSeconds, 1);
        summary["peak_memory_mib"] = PeakMemoryMiB();
        AtomicFile.WriteAllText(run.Metrics,
            JsonSerializer.Serialize(summary,
                new JsonSerializerOptions { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        return SessionOutcome.Completed;
    }

    private static readonly JsonSerializerOptions LogJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string LogLine(StepRecord rec) => JsonSerializer.Serialize(rec, LogJson);

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
