namespace DreamTime.Training;

/// <summary>
/// Anything the one training loop (<see cref="TrainingLoop"/>) drives step by step: the 3D trainer and the
/// learned prior's trainer. A step that goes non-finite throws <see cref="TrainingDivergedException"/> having
/// updated nothing, so the last checkpoint stays good.
/// </summary>
public interface IStepTrainer
{
    /// <summary>The last step trained (0 before the first).</summary>
    int StepReached { get; }

    /// <summary>Trains step <paramref name="step"/> (always <see cref="StepReached"/> + 1) and reports it.</summary>
    StepRecord TrainStep(int step);

    /// <summary>Saves everything a resume needs to continue bit-exactly after <see cref="StepReached"/>.</summary>
    void SaveCheckpoint(string folder);
}
