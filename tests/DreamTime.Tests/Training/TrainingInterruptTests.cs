using DreamTime.Configuration;
using DreamTime.Diffusion;
using DreamTime.Guidance;
using DreamTime.Tests.Cli;
using DreamTime.Training;
using Xunit;
using static DreamTime.Tests.Training.TrainingTestSupport;
using static TorchSharp.torch;

namespace DreamTime.Tests.Training;

public class TrainingInterruptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-interrupt-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Passes steps through to a real guidance and presses Ctrl-C (cancels) during the given call.</summary>
    private sealed class CtrlCDuringCall(IGuidance inner, int call, CancellationTokenSource cancel) : IGuidance
    {
        private int _calls;
        public string Name => inner.Name;
        public NoiseSchedule Schedule => inner.Schedule;
        public GuidanceOutput Step(GuidanceInput input)
        {
            if (++_calls == call) cancel.Cancel();
            return inner.Step(input);
        }
        public void Dispose() => inner.Dispose();
    }

    private static int[] LoggedSteps(RunFolder run) =>
        File.ReadAllLines(run.MetricsLog).Select(l =>
            System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32()).ToArray();

    [Fact]
    public void CtrlCSavesACheckpointThatGenerateResumeCompletes()
    {
        const int n = 6, k = 3;
        var cfg = Tiny(n) with { EvalEvery = 2 };
        var root = Path.Combine(_dir, "run");
        using (var cancel = new CancellationTokenSource())
        {
            var (prior, evaluator) = Components.Guidance.Create(cfg.Guidance, new ComponentContext(cfg, CPU));
            using var trainer = new TestTrainer(Trainer.Create(cfg, CPU,
                guidance: new GuidanceComponents(new CtrlCDuringCall(prior, k, cancel), evaluator)), new RunFolder(root));
            trainer.Run.PrepareNew(overwrite: false);   // as generate does before training
            File.WriteAllText(trainer.Run.Config, cfg.ToJson());
            var log = new StringWriter();
            var outcome = new TrainingSession(trainer, trainer.Run, new TextRunObserver(log)) { Export = RunExports.WriteAll }
                .Run(cancel.Token);

            // the step in flight finishes, then the run stops with a checkpoint and says how to continue
            Assert.Equal(SessionOutcome.Interrupted, outcome);
            Assert.Equal(k, trainer.StepReached);
            Assert.Contains($"interrupted after step {k}", log.ToString());
            Assert.Contains($"resuming the run in {trainer.Run.Root}", log.ToString());
            Assert.Equal(k, Checkpoint.LoadState(trainer.Checkpoint).Step);
            Assert.Equal(Enumerable.Range(1, k), LoggedSteps(trainer.Run));
            Assert.False(File.Exists(trainer.Run.Metrics), "an interrupted run wrote its final metrics");
        }

        var (code, err) = GenerateCommandTests.Generate("--resume", root);
        Assert.True(code == 0, err);
        var run = new RunFolder(root);
        Assert.Equal(n, Checkpoint.LoadState(run.StageCheckpoint(0, "nerf")).Step);
        Assert.Equal(Enumerable.Range(1, n), LoggedSteps(run));
        Assert.True(File.Exists(run.Metrics));

        // ... and lands where an uninterrupted run does
        Dictionary<string, double[]> straight;
        using (var trainer = NewTrainer(cfg, Path.Combine(_dir, "straight")))
        {
            for (int s = 1; s <= n; s++) trainer.Step(s);
            straight = Parameters(trainer.Model);
        }
        Assert.Equal(0.0, MaxDifference(straight, Tensors(Checkpoint.RepresentationPath(run.StageCheckpoint(0, "nerf")))));
    }

    [Fact]
    public void AlreadyCancelledTokenStopsBeforeAnyStepAndKeepsTheCheckpoint()
    {
        var cfg = Tiny(5);
        var root = Path.Combine(_dir, "run");
        using (var trainer = NewTrainer(cfg, root))
        {
            trainer.Step(1);
            trainer.Step(2);
            trainer.SaveCheckpoint();
        }
        var last = Path.Combine(root, "checkpoints", "0-nerf");
        var weights = Tensors(Checkpoint.RepresentationPath(last));
        using (var resumed = NewTrainer(cfg, root, Checkpoint.Find(last), new ScriptedGuidance()))
        {
            var guidance = (ScriptedGuidance)resumed.Guidance;
            var outcome = new TrainingSession(resumed, resumed.Run, SilentRunObserver.Instance).Run(new CancellationToken(true));
            Assert.Equal(SessionOutcome.Interrupted, outcome);
            Assert.Equal(0, guidance.Calls);
            Assert.Equal(2, resumed.StepReached);
        }
        Assert.Equal(2, Checkpoint.LoadState(last).Step);
        Assert.Equal(0.0, MaxDifference(weights, Tensors(Checkpoint.RepresentationPath(last))));
    }
}
