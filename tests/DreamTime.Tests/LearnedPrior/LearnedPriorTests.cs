using System.CommandLine;
using DreamTime.Cli;
using DreamTime.Cli.Commands;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.LearnedPrior;
using DreamTime.Models.Diffusers;
using DreamTime.Runtime;
using DreamTime.Training;
using SkiaSharp;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using DreamTime.Optimization;
using DreamTime.Scenes;

namespace DreamTime.Tests.LearnedPrior;

public class LearnedPriorDataTests
{
    [Fact]
    public void ExamplesAreAFunctionOfSeedAndIndex()
    {
        var a = new PriorTrainingData(seed: 5, size: 8);
        var b = new PriorTrainingData(seed: 5, size: 8);
        var other = new PriorTrainingData(seed: 6, size: 8);
        foreach (int i in new[] { 0, 7, 123 })
        {
            // b visits the indices in another order: nothing may carry over from earlier draws
            var eb = b.Example(i);
            var ea = a.Example(i);
            Assert.Equal(ea.Caption, eb.Caption);
            Assert.Equal(ea.Camera, eb.Camera);
            Assert.Equal(ea.Rgb, eb.Rgb);
        }
        Assert.NotEqual(a.Example(3).Rgb, other.Example(3).Rgb);
    }

    [Fact]
    public void EveryRoundHoldsEveryFamilyOnce()
    {
        var data = new PriorTrainingData(seed: 1, size: 8);
        int f = data.Families.Count;
        Assert.Equal(11, f);
        for (int round = 0; round < 5; round++)
        {
            var names = Enumerable.Range(round * f, f).Select(i => data.FamilyOf(i).Name).OrderBy(n => n);
            Assert.Equal(data.Families.Select(x => x.Name).OrderBy(n => n), names);
        }
        // the order within a round is shuffled, so batches of fewer than F examples still see varied families
        Assert.NotEqual(Enumerable.Range(0, f).Select(i => data.FamilyOf(i).Name), Enumerable.Range(f, f).Select(i => data.FamilyOf(i).Name));
    }

    [Fact]
    public void CaptionsParseBackToTheFamilyAndItsAttributesAndFitTheContext()
    {
        var dir = Directory.CreateTempSubdirectory("dt-tok-").FullName;
        try
        {
            var tokenizer = LearnedPriorTokenizer.WriteAndLoad(dir);
            Assert.Equal(LearnedPriorTokenizer.ContextLength, tokenizer.MaxLength);
            var data = new PriorTrainingData(seed: 2, size: 8, tokenizer: tokenizer);
            int empty = 0, n = 330;
            var views = new HashSet<string>();
            for (int i = 0; i < n; i++)
            {
                var e = data.Example(i);
                if (e.Caption == "") { empty++; continue; }
                Assert.True(tokenizer.Encode(e.Caption).Length <= tokenizer.MaxLength, e.Caption);
                Assert.EndsWith($", {e.Camera.ViewName()} view", e.Caption);
                views.Add(e.Camera.ViewName());
                var sel = PromptParser.Parse(PriorLibrary.Default, e.Caption);
                Assert.Equal(e.Family, sel.Family?.Name);
                foreach (var (slot, values) in sel.Filters) Assert.True(values.Contains(e.Attributes[slot]), $"{e.Caption}: {slot} should be {e.Attributes[slot]}");
            }
            Assert.InRange(empty, n * 0.04, n * 0.18);
            // the trainer's cameras reach 60 degrees of elevation, where "overhead" only begins (DreamFusion's rule)
            Assert.Equal(new[] { "back", "front", "side" }, views.OrderBy(v => v));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void EveryAttributeCombinationHasACaptionThatFitsUnshortened()
    {
        // the longest caption names every attribute; if one combination overflowed, training would lose attributes
        var dir = Directory.CreateTempSubdirectory("dt-tok-").FullName;
        try
        {
            var tokenizer = LearnedPriorTokenizer.WriteAndLoad(dir);
            foreach (var f in PriorLibrary.Default.Families)
            foreach (var m in f.Members)
            {
                var caption = PriorTrainingData.Caption(f, m.Attributes, f.Slots.Select(s => s.Name), "overhead");
                Assert.True(tokenizer.Encode(caption).Length <= tokenizer.MaxLength, caption);
                var sel = PromptParser.Parse(PriorLibrary.Default, caption);
                Assert.Contains(m, sel.Members);
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void FreshDrawsKeepTheAttributesButVaryTheShape()
    {
        var family = PriorLibrary.Default.FindFamily("mushroom")!;
        var attrs = family.Members[0].Attributes;
        var a = family.Build(attrs, new Random(1));
        var b = family.Build(attrs, new Random(2));
        Assert.True(a.Primitives.Count == b.Primitives.Count || attrs["spots"] == "spots");
        Assert.NotEqual(a.Primitives[0].Center, b.Primitives[0].Center);
        Assert.Throws<ArgumentException>(() => family.Build(new Dictionary<string, string>(), new Random(1)));
    }

    /// <summary>Per-image channel means of 150 examples (two batches inside), averaged and spread here pixel by pixel.</summary>
    [Fact]
    public void ChannelStatisticsAreThoseOfTheExamplesChannelMeans()
    {
        var data = new PriorTrainingData(seed: 4, size: 8);
        var (mean, std) = data.ChannelStatistics(150);
        var perImage = Enumerable.Range(0, 150).Select(i =>
        {
            var rgb = data.Example(i).Rgb; // [H, W, 3] in [0, 1]
            return Enumerable.Range(0, 3).Select(c => Enumerable.Range(0, 64).Average(p => 2.0 * rgb[3 * p + c] - 1)).ToArray();
        }).ToList();
        for (int c = 0; c < 3; c++)
        {
            double m = perImage.Average(v => v[c]);
            double s = Math.Sqrt(perImage.Sum(v => (v[c] - m) * (v[c] - m)) / 149);
            Assert.True(Math.Abs(mean[c] - m) < 1e-6, $"channel {c}: mean {mean[c]} vs {m}");
            Assert.True(Math.Abs(std[c] - s) < 1e-6, $"channel {c}: std {std[c]} vs {s}");
            Assert.True(s > 0.01, "renders differ, so their channel means must spread");
        }
    }
}

public class AdamWTests
{
    [Fact]
    public void DecoupledWeightDecayMatchesTheClosedForm()
    {
        // with a constant gradient g the bias-corrected moments are g and g^2 at every step, so AdamW's step is
        // p <- p (1 - lr wd) - lr g / (|g| + eps)
        var p = new TorchSharp.Modules.Parameter(torch.tensor(new[] { 2.0 }, dtype: ScalarType.Float64));
        double lr = 0.1, wd = 0.5, g = 3, eps = 1e-8, scale = 0.5;
        var opt = new AdamOptimizer(new[] { new AdamOptimizer.Group("g", new[] { ("p", p) }, lr, wd) }, 0.9, 0.999, eps) { LearningRateScale = scale };
        double expected = 2;
        for (int i = 0; i < 3; i++)
        {
            p.grad = torch.tensor(new[] { g }, dtype: ScalarType.Float64);
            opt.Step();
            double l = lr * scale;
            expected = expected * (1 - l * wd) - l * g / (g + eps);
            Assert.Equal(expected, p.item<double>(), 12);
        }
        // without decay the same steps must differ: the test sees the decay term
        Assert.NotEqual(2 - 3 * lr * scale * g / (g + eps), p.item<double>(), 6);
    }
}

public class LearnedPriorTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-learned-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private static bool TensorsEqual(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.equal(b).all().item<bool>();

    internal static LearnedPriorConfig Tiny(int steps) => new()
    {
        Steps = steps, BatchSize = 4, LearningRate = 3e-3, WarmupSteps = 2, ImageSize = 16, Channels = new[] { 8, 16 },
        TextHidden = 32, TextHeads = 2, TextLayers = 1, CheckpointEvery = 1000, SampleSeeds = 0, SampleSteps = 2, Seed = 3,
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
        using (torch.no_grad()) trainer.Unet.parameters().First().fill_(double.NaN);
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
        Assert.Equal(LearnedPriorTraining.ReadMetrics(r1.Folder.MetricsLog).Select(m => m.Loss), LearnedPriorTraining.ReadMetrics(r3.Folder.MetricsLog).Select(m => m.Loss));

        Assert.Equal(cfg, LearnedPriorConfig.FromJson(File.ReadAllText(r1.Folder.Config), "config.json") with { Channels = cfg.Channels });
        using (var loss = SKBitmap.Decode(r1.Folder.LossCurve)) Assert.True(loss.Width > 0);
        using var grid = SKBitmap.Decode(r1.Folder.Samples);
        // one row per family, one column per seed, tiles scaled to 128 px with 2 px gaps
        Assert.Equal(2 * 128 + 3 * 2, grid.Width);
        Assert.Equal(11 * 128 + 12 * 2, grid.Height);
    }
}

public class PriorTrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-train-cli-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var root = new RootCommand { PriorCommand.Create() };
        var err = new StringWriter();
        var output = new StringWriter();
        var parse = root.Parse(args);
        int code;
        if (parse.Errors.Count > 0) code = CliHost.Run(root, args, err);
        else
        {
            try { code = parse.Invoke(new InvocationConfiguration { Output = output, Error = err, EnableDefaultExceptionHandler = false }); }
            catch (UserError e) { err.WriteLine($"error: {KeyFlags.Describe(e, parse.CommandResult.Command)}"); code = CliHost.UserErrorExit; }
        }
        return (code, output.ToString(), err.ToString());
    }

    [Fact]
    public void ExistingFolderIsRefusedWithoutOverwriteAndLeftAlone()
    {
        var out1 = Path.Combine(_dir, "run");
        Directory.CreateDirectory(out1);
        File.WriteAllText(Path.Combine(out1, "keep.txt"), "mine");
        var (code, _, err) = Run("prior", "train", "--out", out1, "--steps", "1");
        Assert.Equal(2, code);
        Assert.Contains("not empty", err);
        Assert.Contains("overwriting", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Equal(new[] { "keep.txt" }, Directory.GetFileSystemEntries(out1).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("--channels", "32,abc", "not a whole number")]
    [InlineData("--channels", "32,60", "multiple of 8")]
    [InlineData("--channels", "32", "2 to 5")]
    [InlineData("--steps", "0", "at least 1")]
    [InlineData("--batch-size", "0", "batch_size (--batch-size): is 0;")]
    [InlineData("--lr", "-1", "learning_rate (--lr): is -1;")]
    [InlineData("--device", "tpu", "unknown device")]
    public void BadInputIsOneLineExitTwoAndWritesNothing(string option, string value, string expected)
    {
        var out1 = Path.Combine(_dir, "run");
        var (code, _, err) = Run("prior", "train", "--out", out1, option, value);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(Directory.Exists(out1));
    }

    [Fact]
    public void ResumeRefusesOptionsItWouldIgnore()
    {
        var (code, _, err) = Run("prior", "train", "--resume", _dir, "--lr", "0.1");
        Assert.Equal(2, code);
        Assert.Contains("--lr", err);
    }

    [Fact]
    public void HelpDescribesEveryOption()
    {
        var cmd = PriorCommand.Create().Subcommands.Single(c => c.Name == "train");
        foreach (var name in new[] { "--out", "--steps", "--batch-size", "--lr", "--channels", "--seed", "--checkpoint-every", "--resume", "--overwrite", "--device" })
            Assert.False(string.IsNullOrWhiteSpace(cmd.Options.Single(o => o.Name == name).Description), name);
    }
}
