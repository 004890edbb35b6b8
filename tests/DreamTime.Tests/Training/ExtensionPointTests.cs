using System.Text.Json;
using DreamTime.Configuration;
using DreamTime.Diffusion;
using DreamTime.Guidance;
using DreamTime.Optimization;
using DreamTime.Representations;
using DreamTime.Representations.Nerf;
using DreamTime.Runtime;
using DreamTime.Training;
using TorchSharp;
using Xunit;
using static DreamTime.Tests.Training.TrainingTestSupport;
using static TorchSharp.torch;

namespace DreamTime.Tests.Training;

/// <summary>The contracts the next pipelines build on: named losses and stats, hooks, trainable guidance state, stages,
/// observers.</summary>
public class ExtensionPointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-ext-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>
    /// A guidance with trainable state, as VSD's LoRA will be: a learned colour c that the render is pulled
    /// towards while c itself is pulled towards 0.25. Loss terms "pull" and "anchor"; stats "c" and "hooked".
    /// </summary>
    private sealed class LearnedColourGuidance : IGuidance
    {
        public readonly TorchSharp.Modules.Parameter Colour = new(Filled(0.8f));
        public List<int> Hooked { get; } = new();
        public string Name => "learned-colour";
        public NoiseSchedule Schedule => NoiseSchedule.StableDiffusion;
        public IReadOnlyList<ParameterGroup> TrainableGroups => [new("colour", [Colour], 0.05)];
        public void UpdateStep(int step) => Hooked.Add(step);

        public GuidanceOutput Step(GuidanceInput input)
        {
            var rgb = input.Render.Rgb;
            var pull = (rgb - Colour.detach()).Squared().mean();
            var anchor = Colour.Minus(0.25).Squared().sum();
            return new GuidanceOutput(new Dictionary<string, Tensor> { ["pull"] = pull, ["anchor"] = anchor },
                new Dictionary<string, double>
                {
                    ["c"] = Colour.mean().item<float>(),
                    ["hooked"] = Hooked.Count,
                    ["opacity"] = input.Render.Opacity.mean().item<float>()
                });
        }

        public void Dispose() => Colour.Dispose();

        private static Tensor Filled(float value)
        {
            using var s = value.ToScalar();
            return torch.full(3, s);
        }
    }

    private static TestTrainer Trained(TrainConfig cfg, string root, LearnedColourGuidance g, string? checkpoint = null) =>
        new(Trainer.Create(cfg, CPU, resumeCheckpoint: checkpoint, guidance: new GuidanceComponents(g, null)), new RunFolder(root));

    [Fact]
    public void NamedLossesAndStatsAreLoggedAndTrainableGuidanceStateIsOptimisedAndCheckpointed()
    {
        var cfg = Tiny(4);
        var g = new LearnedColourGuidance();
        var root = Path.Combine(_dir, "run");
        using (var trainer = Trained(cfg, root, g))
        {
            var log = new StringWriter();
            var outcome = new TrainingSession(trainer, trainer.Run, new TextRunObserver(log)).Run(CancellationToken.None);
            Assert.Equal(SessionOutcome.Completed, outcome);
            // the hook ran once before each step's guidance call
            Assert.Equal(new[] { 1, 2, 3, 4 }, g.Hooked);
            // the guidance's parameter moved from 0.8 towards 0.25 by Adam's first steps (~lr per step)
            float c = g.Colour.mean().item<float>();
            Assert.InRange(c, 0.8 - 4 * 0.05 - 0.01, 0.8 - 4 * 0.05 * 0.5);
        }
        // every term and stat is in metrics.jsonl, and the total is their sum
        var lines = File.ReadAllLines(new RunFolder(root).MetricsLog);
        Assert.Equal(4, lines.Length);
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            var losses = r.GetProperty("losses");
            Assert.Equal(new[] { "pull", "anchor", "orientation" }, losses.EnumerateObject().Select(p => p.Name));
            double sum = losses.EnumerateObject().Sum(p => p.Value.GetDouble());
            Assert.Equal(sum, r.GetProperty("loss").GetDouble(), 1e-5 * Math.Max(1, sum));
            var stats = r.GetProperty("stats");
            Assert.Equal(r.GetProperty("step").GetInt32(), stats.GetProperty("hooked").GetInt32());
            Assert.InRange(stats.GetProperty("opacity").GetDouble(), 0, 1);
        }

        // the checkpoint holds the guidance state; a resume restores it exactly and continues as an uninterrupted run does
        var checkpoint = Checkpoint.Find(new RunFolder(root).StageCheckpoint(0, "nerf"))!;
        Assert.True(File.Exists(Path.Combine(checkpoint, "guidance.safetensors")));
        float[] straight, resumed;
        var g1 = new LearnedColourGuidance();
        using (var s = Trained(cfg.WithIterations(6), Path.Combine(_dir, "straight"), g1))
        {
            for (int step = 1; step <= 6; step++) s.Step(step);
            straight = g1.Colour.data<float>().ToArray();
        }
        var g2 = new LearnedColourGuidance();
        using (var r = Trained(cfg.WithIterations(6), root, g2, checkpoint))
        {
            Assert.Equal(4, r.StepReached);
            Assert.NotEqual(0.8f, g2.Colour.data<float>()[0]);   // restored, not the initial value
            for (int step = 5; step <= 6; step++) r.Step(step);
            resumed = g2.Colour.data<float>().ToArray();
        }
        Assert.Equal(straight, resumed);
    }

    [Fact]
    public void ALaterStageStartsFromThePreviousStagesRepresentation()
    {
        var cfg = Tiny(2);
        using var first = NewTrainer(cfg, Path.Combine(_dir, "stage1"), guidance: new ScriptedGuidance());
        first.Step(1);
        first.Step(2);
        // stage two: the same representation type, built through the registry from stage one
        var stageTwo = cfg with { Stages = [cfg.Stages[0], cfg.Stages[0] with { Name = "two", Height = 24, Width = 24 }] };
        using var second = Components.Representation.Create(stageTwo.Stages[1].Representation,
            new ComponentContext(stageTwo, CPU, 1, Previous: first.Model));
        Assert.Equal(0.0, MaxDifference(Parameters(first.Model), Parameters(second)));
        using var fresh = Components.Representation.Create(stageTwo.Stages[1].Representation, new ComponentContext(stageTwo, CPU, 1));
        Assert.True(MaxDifference(Parameters(first.Model), Parameters(fresh)) > 1e-4);
        // a stage whose network does not fit the previous one is a clear error
        var other = stageTwo.WithNerf(n => n with { Field = n.Field with { HashLevels = 3 } });
        var e = Assert.Throws<DreamTime.Runtime.UserError>(() =>
            Components.Representation.Create(other.Stages[0].Representation, new ComponentContext(other, CPU, 0, Previous: first.Model)));
        Assert.Contains("previous stage", e.Message);
    }

    private sealed class RecordingObserver : IRunObserver
    {
        public List<string> Events { get; } = new();
        public void Log(string message) => Events.Add("log");
        public void Started(int first, int last) => Events.Add($"start {first}-{last}");
        public void StepCompleted(StepRecord record, int last) =>
            Events.Add($"step {record.Step}/{last}" + (record.Evaluation != null ? " eval" : ""));
        public void Stopped() => Events.Add("stop");
    }

    [Fact]
    public void TheSessionReportsEveryStepToItsObserverAndWritesNothingWithoutARunFolder()
    {
        var cfg = Tiny(3) with { EvalEvery = 2 };
        using var trainer = NewTrainer(cfg, Path.Combine(_dir, "unused"), evaluator: true);
        var observer = new RecordingObserver();
        Assert.Equal(SessionOutcome.Completed, new TrainingSession(trainer, null, observer).Run(CancellationToken.None));
        Assert.Equal(new[] { "log", "start 1-3", "step 1/3 eval", "step 2/3 eval", "step 3/3 eval", "stop" }, observer.Events);
        Assert.False(Directory.Exists(Path.Combine(_dir, "unused")));
    }

    [Fact]
    public void RegistriesNameTheirComponentsAndRefuseUnknownOnes()
    {
        Assert.Equal(new[] { "builtin", "builtin-image", "zero123", "stable-diffusion", "learned", "vsd" }, Components.Guidance.Names);
        Assert.Equal(new[] { "nerf", "dmtet" }, Components.Representation.Names);
        Assert.Equal(new[] { "tp-sds", "uniform", "linear", "hifa", "two-stage" }, TimestepStrategies.Names);
        Assert.Equal("builtin", Components.Guidance.NameOf(new BuiltinPriorSettings()));
        var e = Assert.Throws<DreamTime.Runtime.UserError>(() => Components.Guidance.Defaults("deepfloyd-if"));
        Assert.Equal("guidance.type deepfloyd-if: unknown; allowed: builtin, builtin-image, zero123, stable-diffusion, learned, vsd",
            e.Message);
        Assert.Throws<InvalidOperationException>(() =>
            Components.Representation.Register<NerfSettings>("nerf-again", "", (s, _) => new NerfRepresentation(s, 0)));
    }
}
