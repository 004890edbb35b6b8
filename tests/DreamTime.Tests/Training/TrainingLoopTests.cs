using DreamTime.Training;
using Xunit;

namespace DreamTime.Tests.Training;

public class TrainingLoopTests
{
    private sealed class CountingTrainer : IStepTrainer
    {
        public int StepReached { get; private set; }
        public List<int> Checkpoints { get; } = new();
        public Action<int>? OnStep { get; init; }

        public StepRecord TrainStep(int step)
        {
            Assert.Equal(StepReached + 1, step);
            StepReached = step;
            OnStep?.Invoke(step);
            return new StepRecord(step, 1000 - step, 1.0 / step, new Dictionary<string, double>(), new Dictionary<string, double>(), 0);
        }

        public void SaveCheckpoint(string folder) => Checkpoints.Add(StepReached);
    }

    [Fact]
    public void CheckpointsAtMultiplesAndAtTheLastStepAndReportsEveryStep()
    {
        var trainer = new CountingTrainer();
        var seen = new List<int>();
        var loop = new TrainingLoop(trainer, SilentRunObserver.Instance)
        {
            CheckpointFolder = "ckpt",
            CheckpointEvery = 3,
            CheckpointAtLast = true,
            AfterStep = r => { seen.Add(r.Step); return r; },
        };
        Assert.Equal(SessionOutcome.Completed, loop.Run(1, 7, CancellationToken.None));
        Assert.Equal(Enumerable.Range(1, 7), seen);
        Assert.Equal(new[] { 3, 6, 7 }, trainer.Checkpoints);
    }

    [Fact]
    public void CancellingSavesACheckpointAndNamesTheResumeCommand()
    {
        using var cancel = new CancellationTokenSource();
        var trainer = new CountingTrainer { OnStep = s => { if (s == 4) cancel.Cancel(); } };
        var log = new StringWriter();
        var loop = new TrainingLoop(trainer, new TextRunObserver(log))
        {
            CheckpointFolder = "ckpt",
            CheckpointEvery = 10,
            ResumeHint = "Resume me."
        };
        Assert.Equal(SessionOutcome.Interrupted, loop.Run(1, 9, cancel.Token));
        Assert.Equal(4, trainer.StepReached);
        Assert.Equal(new[] { 4 }, trainer.Checkpoints);
        Assert.Contains("interrupted after step 4; checkpoint saved. Resume me.", log.ToString());
    }

    [Fact]
    public void WithoutACheckpointFolderCancellingOnlyStops()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var trainer = new CountingTrainer();
        Assert.Equal(SessionOutcome.Interrupted, new TrainingLoop(trainer, SilentRunObserver.Instance).Run(1, 5, cancel.Token));
        Assert.Equal(0, trainer.StepReached);
        Assert.Empty(trainer.Checkpoints);
    }
}
