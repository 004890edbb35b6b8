namespace DreamTime.Training;

/// <summary>
/// The one loop that trains anything step by step (<see cref="IStepTrainer"/>): cancellation with a checkpoint,
/// periodic checkpoints, a per-step hook for what the caller adds (evaluation, the metrics log, previews), and
/// progress through <see cref="IRunObserver"/>. The 3D session and learned-prior training both run on it.
/// </summary>
public sealed class TrainingLoop(IStepTrainer trainer, IRunObserver observer)
{
    /// <summary>Where checkpoints go; without one (a comparison run) nothing is saved and cancelling just stops.</summary>
    public string? CheckpointFolder { get; init; }

    /// <summary>Save a checkpoint after every step that is a multiple of this (0: never, except as below).</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Also save after the last step.</summary>
    public bool CheckpointAtLast { get; init; }

    /// <summary>How to continue the run, said on cancellation after "checkpoint saved."</summary>
    public string ResumeHint { get; init; } = "";

    /// <summary>Runs after each step, before its checkpoint; may add to the record (an evaluation) and write it out.</summary>
    public Func<StepRecord, StepRecord>? AfterStep { get; init; }

    /// <summary>Trains steps first..last; returns <see cref="SessionOutcome.Interrupted"/> when cancelled.</summary>
    public SessionOutcome Run(int first, int last, CancellationToken cancel)
    {
        observer.Started(first, last);
        try
        {
            for (int step = first; step <= last; step++)
            {
                if (cancel.IsCancellationRequested)
                {
                    if (CheckpointFolder == null) return SessionOutcome.Interrupted;
                    trainer.SaveCheckpoint(CheckpointFolder);
                    observer.Log($"interrupted after step {trainer.StepReached}; checkpoint saved. {ResumeHint}");
                    return SessionOutcome.Interrupted;
                }
                var record = trainer.TrainStep(step);
                record = AfterStep?.Invoke(record) ?? record;
                bool periodic = CheckpointEvery > 0 && step % CheckpointEvery == 0;
                if (CheckpointFolder != null && (periodic || (CheckpointAtLast && step == last))) trainer.SaveCheckpoint(CheckpointFolder);
                observer.StepCompleted(record, last);
            }
        }
        finally { observer.Stopped(); }
        return SessionOutcome.Completed;
    }
}
