using System.Text.Json;
using DreamTime.Configuration;
using DreamTime.Runtime;
using DreamTime.Training;
using Xunit;
using static DreamTime.Tests.Training.TrainingTestSupport;

namespace DreamTime.Tests.Training;

/// <summary>A run of several stages: each stage a session with its own checkpoints, built from the stage before;
/// resumed at the first unfinished stage exactly as if never stopped; its stage list fixed once started.</summary>
public class StagedRunTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-stages-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>Two NeRF stages (the second starts from the first's weights, at another size and t range).</summary>
    private static TrainConfig TwoStages()
    {
        var cfg = Tiny(3) with { CheckpointEvery = 1, EvalEvery = 2 };
        var second = cfg.Stages[0] with
        {
            Name = "fine",
            Iterations = 4,
            Height = 20,
            Width = 20,
            Timesteps = new DreamTime.Diffusion.TimestepOptions { TMax = 500 },
        };
        return cfg with { Stages = [cfg.Stages[0] with { Name = "coarse" }, second] };
    }

    /// <summary>Cancels the run when a step of the given stage completes.</summary>
    private sealed class CancelAt(string stage, int step, CancellationTokenSource cancel) : IRunObserver
    {
        public void Log(string message) { }
        public void StepCompleted(StepRecord record, int last)
        {
            if (record.Stage == stage && record.Step == step) cancel.Cancel();
        }
    }

    private static (string[] Stages, int[] Steps) Logged(RunFolder run)
    {
        var lines = File.ReadAllLines(run.MetricsLog).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        return (lines.Select(l => l.GetProperty("stage").GetString()!).ToArray(),
            lines.Select(l => l.GetProperty("step").GetInt32()).ToArray());
    }

    [Fact]
    public void AStageStoppedMidwayResumesToTheSameResultAsAnUninterruptedRun()
    {
        var cfg = TwoStages();
        var straight = Path.Combine(_dir, "straight");
        using (var run = GenerationRun.Start(cfg, straight, false, SilentRunObserver.Instance))
            Assert.Equal(SessionOutcome.Completed, run.Run(CancellationToken.None));
        var folder = new RunFolder(straight);
        Assert.Equal(4, Checkpoint.LoadState(folder.StageCheckpoint(1, "fine")).Step);
        Assert.Equal(3, Checkpoint.LoadState(folder.StageCheckpoint(0, "coarse")).Step);
        var (stages, steps) = Logged(folder);
        Assert.Equal(["coarse", "coarse", "coarse", "fine", "fine", "fine", "fine"], stages);
        Assert.Equal([1, 2, 3, 1, 2, 3, 4], steps);
        Assert.True(File.Exists(Path.Combine(straight, "schedule_1-fine.csv")));
        using (var metrics = JsonDocument.Parse(File.ReadAllText(folder.Metrics)))
        {
            var perStage = metrics.RootElement.GetProperty("stages");
            Assert.Equal(2, perStage.GetArrayLength());
            Assert.Equal("fine", perStage[1].GetProperty("name").GetString());
            Assert.Equal(4, perStage[1].GetProperty("iterations").GetInt32());
        }

        // stopped after the second stage's second step, then resumed in a new process (a new GenerationRun)
        var stopped = Path.Combine(_dir, "stopped");
        using (var cancel = new CancellationTokenSource())
        using (var run = GenerationRun.Start(cfg, stopped, false, new CancelAt("fine", 2, cancel)))
            Assert.Equal(SessionOutcome.Interrupted, run.Run(cancel.Token));
        Assert.Equal(2, Checkpoint.LoadState(new RunFolder(stopped).StageCheckpoint(1, "fine")).Step);
        using (var run = GenerationRun.Resume(stopped, new ResumeOverrides(null, null), SilentRunObserver.Instance))
        {
            Assert.Equal(1, run.Trainer.StageIndex);
            Assert.Equal(SessionOutcome.Completed, run.Run(CancellationToken.None));
        }
        foreach (var stage in new[] { (0, "coarse"), (1, "fine") })
        {
            var a = Tensors(Checkpoint.RepresentationPath(folder.StageCheckpoint(stage.Item1, stage.Item2)));
            var b = Tensors(Checkpoint.RepresentationPath(new RunFolder(stopped).StageCheckpoint(stage.Item1, stage.Item2)));
            Assert.Equal(0.0, MaxDifference(a, b));
        }
        Assert.Equal(Logged(folder).Stages, Logged(new RunFolder(stopped)).Stages);
        Assert.Equal(Logged(folder).Steps, Logged(new RunFolder(stopped)).Steps);
        Assert.Equal(File.ReadAllBytes(folder.Glb), File.ReadAllBytes(new RunFolder(stopped).Glb));
    }

    [Fact]
    public void AMeshStageStoppedMidwayResumesToAByteIdenticalTexturedGlb()
    {
        var cfg = TwoStages();
        var mesh = cfg.Stages[1] with
        {
            Name = "refine",
            Representation = new DreamTime.Representations.DmtetSettings { GridResolution = 16, Threshold = 5, Field = TinyNerf },
        };
        cfg = cfg with { Stages = [cfg.Stages[0], mesh] };
        var straight = Path.Combine(_dir, "straight");
        using (var run = GenerationRun.Start(cfg, straight, false, SilentRunObserver.Instance)) run.Run(CancellationToken.None);
        var stopped = Path.Combine(_dir, "stopped");
        using (var cancel = new CancellationTokenSource())
        using (var run = GenerationRun.Start(cfg, stopped, false, new CancelAt("refine", 2, cancel)))
            Assert.Equal(SessionOutcome.Interrupted, run.Run(cancel.Token));
        using (var run = GenerationRun.Resume(stopped, new ResumeOverrides(null, null), SilentRunObserver.Instance))
            run.Run(CancellationToken.None);
        var a = new RunFolder(straight);
        var b = new RunFolder(stopped);
        // the mesh stage exports a textured asset: a UV atlas and the texture field baked into it
        Assert.NotNull(DreamTime.Geometry.GlbReader.ReadTextured(a.Glb).BaseColor);
        Assert.Equal(File.ReadAllBytes(a.Glb), File.ReadAllBytes(b.Glb));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model_albedo.png")),
            File.ReadAllBytes(Path.Combine(stopped, "model_albedo.png")));
    }

    [Fact]
    public void AStoppedBetweenStagesRunStartsTheNextStageFromTheSavedOne()
    {
        var cfg = TwoStages();
        var straight = Path.Combine(_dir, "straight");
        using (var run = GenerationRun.Start(cfg, straight, false, SilentRunObserver.Instance)) run.Run(CancellationToken.None);
        var stopped = Path.Combine(_dir, "stopped");
        using (var cancel = new CancellationTokenSource())
        using (var run = GenerationRun.Start(cfg, stopped, false, new CancelAt("coarse", 3, cancel)))
            run.Run(cancel.Token);
        Assert.False(Directory.Exists(new RunFolder(stopped).StageCheckpoint(1, "fine")));
        using (var run = GenerationRun.Resume(stopped, new ResumeOverrides(null, null), SilentRunObserver.Instance))
            run.Run(CancellationToken.None);
        var a = Tensors(Checkpoint.RepresentationPath(new RunFolder(straight).StageCheckpoint(1, "fine")));
        var b = Tensors(Checkpoint.RepresentationPath(new RunFolder(stopped).StageCheckpoint(1, "fine")));
        Assert.Equal(0.0, MaxDifference(a, b));
    }

    [Fact]
    public void AChangedStageListIsRefusedOnResume()
    {
        var cfg = TwoStages();
        var root = Path.Combine(_dir, "run");
        using (var cancel = new CancellationTokenSource())
        using (var run = GenerationRun.Start(cfg, root, false, new CancelAt("fine", 1, cancel)))
            run.Run(cancel.Token);
        var folder = new RunFolder(root);
        var original = File.ReadAllText(folder.Config);
        foreach (var changed in new[]
                 {
                     cfg with { Stages = [cfg.Stages[0], cfg.Stages[1] with { Name = "other" }] },
                     cfg with { Stages = [cfg.Stages[0]] },
                 })
        {
            File.WriteAllText(folder.Config, changed.ToJson());
            var e = Assert.Throws<UserError>(() => GenerationRun.Resume(root, new ResumeOverrides(null, null), SilentRunObserver.Instance));
            Assert.Contains("stage list of a started run cannot change", e.Message);
        }
        File.WriteAllText(folder.Config, original);
        using var resumed = GenerationRun.Resume(root, new ResumeOverrides(null, null), SilentRunObserver.Instance);
        Assert.Equal(1, resumed.Trainer.StageIndex);
    }

    [Fact]
    public void StagesAreCheckedBeforeAnyWork()
    {
        var cfg = TwoStages();
        foreach (var (bad, key) in new (TrainConfig, string)[]
                 {
                     (cfg with { Stages = [] }, "stages"),
                     (cfg with { Stages = [cfg.Stages[0], cfg.Stages[1] with { Name = "coarse" }] }, "stages.1.name"),
                     (cfg with { Stages = [cfg.Stages[0], cfg.Stages[1] with { Iterations = 0 }] }, "stages.1.iterations"),
                     (cfg with { Stages = [cfg.Stages[0] with { Name = "a/b" }] }, "stages.0.name"),
                     (cfg with { Stages = [cfg.Stages[0] with { Representation = new DreamTime.Representations.DmtetSettings() }] },
                         "stages.0.representation.init"),
                 })
        {
            var root = Path.Combine(_dir, "bad");
            var e = Assert.Throws<UserError>(() => GenerationRun.Start(bad, root, false, SilentRunObserver.Instance));
            Assert.Equal(key, e.Key);
            Assert.False(Directory.Exists(root));
        }
    }

    [Fact]
    public void PipelinePresetsReplaceTheStagesAndAnUnknownOneIsNamed()
    {
        var tree = ConfigOverrides.Defaults();
        ConfigOverrides.Set(tree, "pipeline", System.Text.Json.Nodes.JsonValue.Create("magic3d"), "--pipeline");
        ConfigOverrides.Apply(tree, "stages.1.iterations=7");
        ConfigOverrides.Apply(tree, "stages.*.timesteps.strategy=uniform");
        var cfg = TrainConfig.FromJson(tree, "test");
        Assert.Equal(["nerf", "refine"], cfg.Stages.Select(s => s.Name));
        Assert.Equal(7, cfg.Stages[1].Iterations);
        Assert.All(cfg.Stages, s => Assert.Equal("uniform", s.Timesteps.Strategy));
        Assert.IsType<DreamTime.Representations.DmtetSettings>(cfg.Stages[1].Representation);
        var e = Assert.Throws<UserError>(() =>
            ConfigOverrides.Set(ConfigOverrides.Defaults(), "pipeline", System.Text.Json.Nodes.JsonValue.Create("prolific"), "--pipeline"));
        Assert.Contains("prolific: unknown pipeline; allowed: dreamfusion, magic3d", e.Message);
        var index = Assert.Throws<UserError>(() => ConfigOverrides.Apply(ConfigOverrides.Defaults(), "stages.3.iterations=2"));
        Assert.Contains("'stages' has 2 elements", index.Message);
    }

    [Fact]
    public void ASecondProcessOnTheSameRunFolderIsRefusedUntilTheFirstLetsGo()
    {
        var cfg = TwoStages();
        var root = Path.Combine(_dir, "held");
        using (var run = GenerationRun.Start(cfg, root, false, SilentRunObserver.Instance))
        {
            var resume = Assert.Throws<UserError>(() =>
                GenerationRun.Resume(root, new ResumeOverrides(null, null), SilentRunObserver.Instance));
            Assert.Contains("another dreamtime process is training in it", resume.Message);
            // an overwrite would delete the folder under the first run
            var overwrite = Assert.Throws<UserError>(() => GenerationRun.Start(cfg, root, true, SilentRunObserver.Instance));
            Assert.Contains("another dreamtime process", overwrite.Message);
            Assert.True(File.Exists(new RunFolder(root).Config));
            run.Run(CancellationToken.None);
        }
        using var again = GenerationRun.Resume(root, new ResumeOverrides(null, null), SilentRunObserver.Instance);
        Assert.Equal(4, again.Trainer.StepReached);
        // an empty folder is still a new run's (its lock file does not count as content)
        var empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        using (GenerationRun.Start(cfg, empty, false, SilentRunObserver.Instance)) { }
        File.Delete(Path.Combine(empty, "config.json"));
        using (GenerationRun.Start(cfg, empty, false, SilentRunObserver.Instance)) { }
    }
}
