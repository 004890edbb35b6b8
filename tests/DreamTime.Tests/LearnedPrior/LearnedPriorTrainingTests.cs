using DreamTime.LearnedPrior;
using DreamTime.Models.Diffusers;
using DreamTime.Runtime;
using DreamTime.Training;
using SkiaSharp;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.LearnedPrior;

public class LearnedPriorTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-learned-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private static bool TensorsEqual(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.equal(b).all().item<bool>();

    internal static LearnedPriorConfig Tiny(int steps) => new()
    {
        Steps = steps,
        BatchSize = 4,
        LearningRate = 3e-3,
        WarmupSteps = 2,
        ImageSize = 16,
        Channels = new[] { 8, 16 },
        TextHidden = 32,
        TextHeads = 2,
        TextLayers = 1,
        CheckpointEvery = 1000,
        SampleSeeds = 0,
        SampleSteps = 2,
        Seed = 3,
        ModelDtype = "float32", // the round-trip tests compare weights bit for bit
    };

    [Fact]
    public void OffsetNoiseAddsOneDrawPerImageAndChannelToThePlainNoise()
    {
        using var plain = new LearnedPriorTrainer(Tiny(1));
        using var offset = new LearnedPriorTrainer(Tiny(1) with { OffsetNoise = 0.3 });
        long[] shape = { 256, 3, 16, 16 };
        var difference = offset.Noise(shape, seed: 5, stream: 7) - plain.Noise(shape, seed: 5, stream: 7);
        // constant over each image's channel (float rounding of the sum only) ...
        Assert.True(difference.std(new long[] { 2, 3 }).max().item<float>() < 1e-6);
        // ... and normal with standard deviation 0.3 over the 768 (image, channel) pairs: 4 standard errors of the estimate
        double sd = difference.mean(new long[] { 2, 3 }).std().item<float>();
        Assert.InRange(sd, 0.3 - 4 * 0.3 / Math.Sqrt(2 * 768), 0.3 + 4 * 0.3 / Math.Sqrt(2 * 768));
        Assert.Throws<DreamTime.Runtime.UserError>(() => (Tiny(1) with { OffsetNoise = -0.1 }).Validate());
    }

    [Fact]
    public void TrainingLowersTheLossOnAFixedBatch()
    {
        using var trainer = new LearnedPriorTrainer(Tiny(20));
        double before = trainer.EvaluationLoss(100_000, 16, seed: 9);
        for (int i = 0; i < 20; i++) trainer.TrainStep();
        double after = trainer.EvaluationLoss(100_000, 16, seed: 9);
        Assert.True(after < 0.8 * before, $"loss on the fixed batch went from {before:F4} to {after:F4}");
    }

    [Fact]
    public void SavedModelLoadsAndPredictsExactlyAsTheEmaModel()
    {
        using var trainer = new LearnedPriorTrainer(Tiny(2));
        for (int i = 0; i < 2; i++) trainer.TrainStep();
        var folder = Path.Combine(_dir, "model");
        trainer.SaveModel(folder);
        var (unet, text) = trainer.EmaModels();
        using (unet) using (text)
        using (var pipe = StableDiffusionPipeline.Load(folder))
        {
            Assert.True(pipe.IsPixelSpace);
            const string prompt = "a red mushroom with spots, front view";
            var x = torch.randn(new long[] { 2, 3, 16, 16 }, generator: new Generator(4));
            var ids = torch.tensor(trainer.Tokenizer.EncodePadded(prompt, out _), new long[] { 1, 16 });
            Tensor expected;
            using (torch.no_grad()) expected = unet.Forward(x, 500, text.Forward(ids).LastHiddenState.expand(2, 16, 32));
            var got = pipe.PredictNoise(x, 500, pipe.EncodePrompt(prompt).expand(2, 16, 32));
            // the round trip itself is exact: every loaded weight equals the EMA weight bit for bit
            foreach (var (mine, loaded) in new (nn.Module, nn.Module)[] { (unet, pipe.Unet), (text, pipe.TextEncoder) })
            {
                var a = mine.state_dict();
                var b = loaded.state_dict();
                Assert.Equal(a.Keys.Order(), b.Keys.Order());
                foreach (var k in a.Keys) Assert.True(TensorsEqual(a[k], b[k].to(a[k].dtype)), k);
            }
            // The two forward passes may take different BLAS/oneDNN paths (the pipeline's own calls, another memory
            // layout), which round differently on some CPUs and thread counts: a few float32 units, nothing more.
            double scale = 1 + expected.abs().max().item<float>();
            double diff = (expected - got).abs().max().item<float>();
            Assert.True(diff <= 1e-5 * scale, $"max difference {diff:E3}");
            // the sampler's start statistics are the training data's
            var (dataMean, dataStd) = trainer.Data.ChannelStatistics();
            Assert.Equal(dataMean, pipe.SchedulerConfig.DataChannelMean);
            Assert.Equal(dataStd, pipe.SchedulerConfig.DataChannelStd);
            // the EMA model is not the raw weights: after 2 steps they differ by far more than rounding
            using var raw = torch.no_grad();
            var rawPrediction = trainer.Unet.Forward(x, 500, trainer.Text.Forward(ids).LastHiddenState.expand(2, 16, 32));
            Assert.True((rawPrediction - expected).abs().max().item<float>() > 1e-3 * scale);
        }
    }

    [Fact]
    public void ResumingFromACheckpointReproducesTheUninterruptedRun()
    {
        var cfg = Tiny(4);
        using var straight = new LearnedPriorTrainer(cfg);
        for (int i = 0; i < 4; i++) straight.TrainStep();
        var ckpt = Path.Combine(_dir, "ckpt");
        using (var first = new LearnedPriorTrainer(cfg))
        {
            for (int i = 0; i < 2; i++) first.TrainStep();
            first.SaveCheckpoint(ckpt);
        }
        // a fresh trainer starts from the initial weights, two steps behind: only the checkpoint can make it match
        using var resumed = new LearnedPriorTrainer(cfg);
        resumed.LoadCheckpoint(ckpt);
        Assert.Equal(2, resumed.Step);
        for (int i = 0; i < 2; i++) resumed.TrainStep();
        var a = straight.StateForComparison();
        var b = resumed.StateForComparison();
        Assert.Equal(a.Keys.OrderBy(k => k), b.Keys.OrderBy(k => k));
        foreach (var k in a.Keys) Assert.True(TensorsEqual(a[k], b[k]), k);
    }

    [Fact]
    public void ANonFiniteLossStopsTheStepAndKeepsTheCheckpoint()
    {
        using var trainer = new LearnedPriorTrainer(Tiny(5));
        trainer.TrainStep();
        var ckpt = Path.Combine(_dir, "ckpt");
        trainer.SaveCheckpoint(ckpt);
        using (torch.no_grad()) trainer.Unet.parameters().First().fill_(Scalars.Of(double.NaN));
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.TrainStep());
        Assert.Equal(2, e.Step);
        Assert.Equal(1, trainer.Step);
        using var again = new LearnedPriorTrainer(Tiny(5));
        again.LoadCheckpoint(ckpt);
        Assert.Equal(1, again.Step);
        Assert.True(double.IsFinite(again.EvaluationLoss(0, 4, 1)));
    }

    private sealed class CancelAt(int step, CancellationTokenSource cts) : IRunObserver
    {
        public List<string> Lines { get; } = new();
        public int Completed { get; private set; }
        public void Log(string message) => Lines.Add(message);
        public void StepCompleted(StepRecord record, int last) { Completed++; if (record.Step == step) cts.Cancel(); }
    }

    [Fact]
    public void AnInterruptedRunResumesToTheSameModelAndWritesEveryOutput()
    {
        var cfg = Tiny(3) with { CheckpointEvery = 10, SampleSeeds = 2 };
        var whole = Path.Combine(_dir, "whole");
        var r1 = LearnedPriorTraining.Train(cfg, whole, overwrite: false, SilentRunObserver.Instance);
        Assert.True(r1.Completed);

        var parts = Path.Combine(_dir, "parts");
        using var cts = new CancellationTokenSource();
        var obs = new CancelAt(2, cts);
        var r2 = LearnedPriorTraining.Train(cfg, parts, overwrite: false, obs, cts.Token);
        Assert.False(r2.Completed);
        Assert.Equal(2, r2.LastStep);
        Assert.False(Directory.Exists(r2.Folder.Model));
        var r3 = LearnedPriorTraining.Resume(parts, null, null, obs);
        Assert.True(r3.Completed);
        Assert.Equal(3, obs.Completed);

        foreach (var f in new[] { "unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(r1.Folder.Model, f)), File.ReadAllBytes(Path.Combine(r3.Folder.Model, f)));
        Assert.Equal(File.ReadAllText(r1.Folder.Config), File.ReadAllText(r3.Folder.Config));
        Assert.Equal(new[] { 1, 2, 3 }, LearnedPriorTraining.ReadMetrics(r3.Folder.MetricsLog).Select(m => m.Step));
        Assert.Equal(LearnedPriorTraining.ReadMetrics(r1.Folder.MetricsLog).Select(m => m.Loss),
            LearnedPriorTraining.ReadMetrics(r3.Folder.MetricsLog).Select(m => m.Loss));

        Assert.Equal(cfg, LearnedPriorConfig.FromJson(File.ReadAllText(r1.Folder.Config), "config.json") with { Channels = cfg.Channels });
        using (var loss = SKBitmap.Decode(r1.Folder.LossCurve)) Assert.True(loss.Width > 0);
        using var grid = SKBitmap.Decode(r1.Folder.Samples);
        // one row per family, one column per seed, tiles scaled to 128 px with 2 px gaps
        Assert.Equal(2 * 128 + 3 * 2, grid.Width);
        Assert.Equal(11 * 128 + 12 * 2, grid.Height);
    }
}
