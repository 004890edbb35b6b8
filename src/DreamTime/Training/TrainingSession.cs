using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using DreamTime.Configuration;
using DreamTime.Runtime;

namespace DreamTime.Training;

/// <summary>
/// One stage of a run on the one training loop: runs the stage's trainer from its first (or resumed) step to the last,
/// evaluating, logging and reporting progress. With a run folder it also writes metrics.jsonl, previews and the
/// stage's checkpoints, saves a checkpoint on cancellation, and (for the last stage) writes the final outputs; without
/// one (a comparison) it writes nothing.
/// </summary>
public sealed class TrainingSession(Trainer trainer, RunFolder? run, IRunObserver observer)
{
    /// <summary>Final outputs (mesh, pictures) from the trainer and the whole run's history; returns what goes into
    /// metrics.json. Only with a run folder, and only for the last stage.</summary>
    public Func<Trainer, RunFolder, IRunObserver, IReadOnlyList<StepRecord>, Dictionary<string, object?>>? Export { get; init; }

    /// <summary>The records of the stages before this one, which metrics.jsonl keeps ahead of this stage's.</summary>
    public IReadOnlyList<StepRecord> EarlierHistory { get; init; } = [];

    public SessionOutcome Run(CancellationToken cancel)
    {
        var cfg = trainer.Config;
        var stage = trainer.Stage;
        int start = trainer.StepReached + 1;
        string where = (cfg.Stages.Count > 1 ? $"stage {trainer.StageIndex + 1} of {cfg.Stages.Count} ({stage.Name}), " : "");
        if (start > stage.Iterations)
            observer.Log($"{where}already finished at step {trainer.StepReached}" + (Export != null ? "; writing outputs again" : ""));
        else
            observer.Log(start == 1
                ? $"training {where}{cfg.Subject} with {Components.Guidance.NameOf(cfg.GuidanceOf(trainer.StageIndex))} " +
                    $"guidance, a {cfg.RepresentationName(trainer.StageIndex)}, {stage.Timesteps.Strategy} in " +
                    $"[{stage.Timesteps.TMin}, {stage.Timesteps.TMax}], {stage.Iterations} iterations, {stage.Height}x{stage.Width}, " +
                    $"seed {cfg.Seed}" + (run != null ? $" -> {run.Root}" : "")
                : $"resuming {where}{cfg.Subject} at step {start} of {stage.Iterations}" + (run != null ? $" -> {run.Root}" : ""));
        // The log restarts from the checkpoint's history: steps after the checkpoint will be redone.
        if (run != null)
            AtomicFile.WriteAllText(run.MetricsLog, string.Concat(EarlierHistory.Concat(trainer.History).Select(h => LogLine(h) + "\n")));
        var wall = Stopwatch.StartNew();
        var checkpoint = run?.StageCheckpoint(trainer.StageIndex, stage.Name);
        var loop = new TrainingLoop(trainer, observer)
        {
            CheckpointFolder = checkpoint,
            CheckpointEvery = cfg.CheckpointEvery,
            ResumeHint = $"Continue it by resuming the run in {run?.Root}",
            AfterStep = rec =>
            {
                int step = rec.Step;
                bool evalNow = trainer.Evaluator != null && cfg.EvalEvery > 0
                    && (step % cfg.EvalEvery == 0 || step == stage.Iterations || step == 1);
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
        if (loop.Run(start, stage.Iterations, cancel) == SessionOutcome.Interrupted) return SessionOutcome.Interrupted;
        if (run == null) return SessionOutcome.Completed;
        // the stage's last checkpoint is what marks it finished, and what the next stage is built from on resume
        bool savedLastStep = cfg.CheckpointEvery > 0 && stage.Iterations % cfg.CheckpointEvery == 0;
        if (trainer.StepReached >= stage.Iterations && start <= stage.Iterations && !savedLastStep) trainer.SaveCheckpoint(checkpoint!);
        if (Export == null)
        {
            observer.Log($"{where}done in {wall.Elapsed.TotalSeconds:F0} s");
            return SessionOutcome.Completed;
        }
        observer.Log($"training done in {wall.Elapsed.TotalSeconds:F0} s; exporting");
        var summary = Export(trainer, run, observer, EarlierHistory.Concat(trainer.History).ToList());
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
