using DreamTime.Optimization;
using DreamTime.Runtime;
using DreamTime.Training;
using TorchSharp;
using Xunit;
using static DreamTime.Tests.Training.TrainingTestSupport;
using static TorchSharp.torch;

namespace DreamTime.Tests.Training;

public class TrainerDivergenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-nan-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private const int BadStep = 3;

    private static Dictionary<string, byte[]> Snapshot(string dir) =>
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    /// <summary>
    /// Runs steps 1..BadStep-1 with a checkpoint after the last; step BadStep must throw. Returns the exception,
    /// after checking the checkpoint is byte for byte the one written before and still loads.
    /// </summary>
    private TrainingDivergedException RunIntoDivergence(Func<int, Tensor, Tensor?> badLoss)
    {
        var cfg = Tiny(6);
        var root = Path.Combine(_dir, "run");
        TrainingDivergedException error;
        Dictionary<string, byte[]> before;
        Dictionary<string, double[]> paramsAtCheckpoint;
        using (var trainer = NewTrainer(cfg, root,
            guidance: new ScriptedGuidance((call, images) => call == BadStep ? badLoss(call, images) : null)))
        {
            for (int s = 1; s < BadStep; s++) trainer.Step(s);
            trainer.SaveCheckpoint();
            paramsAtCheckpoint = Parameters(trainer.Model);
            before = Snapshot(trainer.Checkpoint);
            error = Assert.Throws<TrainingDivergedException>(() => trainer.Step(BadStep));
            Assert.Equal(BadStep - 1, trainer.StepReached);
            // The bad step never reached the optimizer.
            Assert.Equal(0.0, MaxDifference(paramsAtCheckpoint, Parameters(trainer.Model)));
        }
        var last = Path.Combine(root, "checkpoints", "0-nerf");
        var after = Snapshot(last);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (name, bytes) in before) Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
        using var resumed = NewTrainer(cfg, root, Checkpoint.Find(last), new ScriptedGuidance());
        Assert.Equal(BadStep - 1, resumed.StepReached);
        Assert.Equal(0.0, MaxDifference(paramsAtCheckpoint, Parameters(resumed.Model)));
        resumed.Step(BadStep);   // and training goes on from it
        return error;
    }

    [Fact]
    public void NaNLossStopsTheStepNamingStepAndTerm()
    {
        var e = RunIntoDivergence((_, images) => images.mean().Times(double.NaN));
        Assert.Equal(BadStep, e.Step);
        Assert.Equal("loss term 'sds'", e.Component);
        Assert.Contains($"step {BadStep}", e.Message);
        Assert.Contains("'sds'", e.Message);
    }

    [Fact]
    public void InfiniteLossIsCaughtToo()
    {
        var e = RunIntoDivergence((_, images) => images.mean().Plus(double.PositiveInfinity));
        Assert.Equal("loss term 'sds'", e.Component);
    }

    [Fact]
    public void FiniteLossWithNaNGradientNamesTheParameterGroup()
    {
        // sqrt(0 * x) is 0 for every x, but its derivative is 0 * inf = NaN: the loss is fine, the gradient is not.
        double lossValue = double.NaN;
        var e = RunIntoDivergence((_, images) =>
        {
            var loss = images.Times(0).sqrt().sum();
            lossValue = loss.item<float>();
            return loss;
        });
        Assert.Equal(0.0, lossValue);
        Assert.Equal(BadStep, e.Step);
        // Every parameter behind the images gets NaN; the first group in optimizer order is reported.
        Assert.StartsWith("gradient of encoding (encoding.", e.Component);
    }

    [Fact]
    public void NonFiniteGradientIsReportedForTheGroupThatHasIt()
    {
        var a = new TorchSharp.Modules.Parameter(torch.zeros(3));
        var b = new TorchSharp.Modules.Parameter(torch.zeros(2, 2));
        var c = new TorchSharp.Modules.Parameter(torch.zeros(4));
        var adam = new AdamOptimizer(new[]
        {
            new AdamOptimizer.Group("encoding", new[] { ("encoding.0", a) }, 0.01, OptimizerSettings.Adam),
            new AdamOptimizer.Group("network", new[] { ("network.0", b), ("network.1", c) }, 0.01, OptimizerSettings.Adam),
        });
        a.sum().Plus(b.sum()).Plus(c.sum()).backward();
        Assert.Null(adam.FirstNonFiniteGradient());
        // the largest finite floats everywhere sum past float32's range: still finite
        using (torch.no_grad()) foreach (var p in new[] { a, b, c }) p.grad!.fill_(Scalars.Of(float.MaxValue));
        Assert.Null(adam.FirstNonFiniteGradient());
        using (torch.no_grad()) c.grad![2] = double.NegativeInfinity;
        Assert.Equal("network (network.1)", adam.FirstNonFiniteGradient());
        using (torch.no_grad()) b.grad![1, 0] = double.NaN;
        Assert.Equal("network (network.0)", adam.FirstNonFiniteGradient());
        adam.ZeroGrad();
        Assert.Null(b.grad);
        Assert.Null(adam.FirstNonFiniteGradient());
    }
}
