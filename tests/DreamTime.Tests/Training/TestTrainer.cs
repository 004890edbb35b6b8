using DreamTime.Guidance;
using DreamTime.Representations;
using DreamTime.Training;

namespace DreamTime.Tests.Training;

/// <summary>A trainer with its run folder, as a run has them.</summary>
internal sealed class TestTrainer(Trainer trainer, RunFolder run) : IDisposable
{
    public Trainer Trainer { get; } = trainer;
    public RunFolder Run { get; } = run;
    public IRepresentation Model => Trainer.Representation;
    public IGuidance Guidance => Trainer.Guidance;
    public int StepReached => Trainer.StepReached;
    public List<StepRecord> History => Trainer.History;
    public StepRecord Step(int step) => Trainer.Step(step);
    /// <summary>The trainer's stage checkpoint folder in its run.</summary>
    public string Checkpoint => Run.StageCheckpoint(Trainer.StageIndex, Trainer.Stage.Name);
    public void SaveCheckpoint() => Trainer.SaveCheckpoint(Checkpoint);
    public static implicit operator Trainer(TestTrainer t) => t.Trainer;
    public void Dispose() => Trainer.Dispose();
}
