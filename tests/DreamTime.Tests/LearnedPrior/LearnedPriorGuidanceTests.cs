using System.CommandLine;
using DreamTime.Cli;
using DreamTime.Cli.Commands;
using DreamTime.Configuration;
using DreamTime.Evaluation;
using DreamTime.Guidance;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.IO;
using DreamTime.LearnedPrior;
using DreamTime.Models.Diffusers;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Scenes;
using DreamTime.Studies.Comparison;
using DreamTime.Studies.PriorCheck;
using DreamTime.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.LearnedPrior;

/// <summary>
/// The learned prior as a guidance ("learned"), its float16 model folder, export from a checkpoint, and the sample
/// check; on a tiny model trained here (the shipped model is tested where it is measured, by `prior check`).
/// </summary>
public class LearnedPriorGuidanceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-learned-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private string TinyModel(string dtype = "float32")
    {
        var folder = Path.Combine(_dir, "model-" + dtype);
        if (Directory.Exists(folder)) return folder;
        using var trainer = new LearnedPriorTrainer(LearnedPriorTrainingTests.Tiny(2) with { ModelDtype = dtype });
        for (int i = 0; i < 2; i++) trainer.TrainStep();
        trainer.SaveModel(folder);
        return folder;
    }

    private static TrainConfig Config(string model, string prompt = "a red mushroom") =>
        DreamTime.Tests.Training.TrainingTestSupport.Tiny(2, prompt: prompt) with { Guidance = new LearnedPriorSettings { Model = model } };

    [Fact]
    public void TrainsThroughTheOneLoopAndIsScoredAgainstThePromptsMembers()
    {
        var cfg = Config(TinyModel());
        var built = Components.Guidance.Create(cfg.Guidance, new ComponentContext(cfg, torch.CPU));
        var evaluator = Assert.IsType<PriorQualityEvaluator>(built.Evaluator);
        // the same ground truth as the built-in prior: the members the prompt names
        Assert.Equal(PriorLibrary.Default.Select(cfg.Prompt).Members.Select(m => m.Name), evaluator.Evaluation.Members.Select(m => m.Name));
        using var trainer = Trainer.Create(cfg, torch.CPU, guidance: built);
        for (int step = 1; step <= 2; step++)
        {
            var record = trainer.Step(step);
            Assert.True(double.IsFinite(record.Loss));
            Assert.True(record.Stats["grad_norm"] > 0);
        }
        var quality = trainer.Evaluate()!;
        Assert.True(double.IsFinite(quality.Metric("psnr")!.Value));
    }

    [Fact]
    public void CompareRunsOnTheLearnedPriorAndAStudyRefusesAChangedModel()
    {
        var model = TinyModel();
        var cfg = Config(model) with { EvalEvery = 2 };
        var study = Path.Combine(_dir, "study");
        var cmp = new StrategyComparison(cfg, [20.0], SilentRunObserver.Instance, study);
        cmp.RunAll(["a chair"], ["tp-sds"], seeds: 1);
        var run = Assert.Single(cmp.Runs);
        Assert.StartsWith("chair", run.Nearest);
        Assert.Contains("model_sha256", File.ReadAllText(Path.Combine(study, "study.json")));

        // the same folder retrained in place: the kept runs belong to the old weights
        using (var other = new LearnedPriorTrainer(LearnedPriorTrainingTests.Tiny(1) with { Seed = 11 }))
        {
            other.TrainStep();
            other.SaveModel(model);
        }
        var again = new StrategyComparison(cfg, [20.0], SilentRunObserver.Instance, study);
        var e = Assert.Throws<UserError>(() => again.RunAll(["a chair"], ["tp-sds"], seeds: 1));
        Assert.Contains("another learned-prior model", e.Message);
    }

    [Fact]
    public void ConfigRoundTripsWithTheTypeAndModelAndNothingComputed()
    {
        var cfg = Config("/some/model");
        var json = cfg.ToJson();
        Assert.Contains("\"type\": \"learned\"", json);
        Assert.DoesNotContain("model_folder", json);
        Assert.Equal(cfg.ToJson(), TrainConfig.FromJson(json, "config.json").ToJson());
        // no model named: the shipped one, beside the binaries
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "models", "learned-prior"), new LearnedPriorSettings().ModelFolder);
    }

    [Fact]
    public void ALatentCheckpointIsRefusedByName()
    {
        var cfg = Config(Fixtures.TinySd15);
        var e = Assert.Throws<UserError>(() => Components.Guidance.Create(cfg.Guidance, new ComponentContext(cfg, torch.CPU)));
        Assert.Contains("has a vae/", e.Message);
    }

    [Fact]
    public void APromptOutsideTheFamiliesFailsBeforeAnyModelLoads()
    {
        var cfg = Config(Path.Combine(_dir, "does-not-exist"), prompt: "a purple giraffe");
        var e = Assert.Throws<UserError>(() => Components.Guidance.Create(cfg.Guidance, new ComponentContext(cfg, torch.CPU)));
        Assert.Contains("giraffe", e.Message);
    }

    [Fact]
    public void Float16ModelHoldsTheEmaWeightsRoundedToHalfAndLoadsAsFloat32()
    {
        var config = LearnedPriorTrainingTests.Tiny(2) with { ModelDtype = "float16" };
        using var trainer = new LearnedPriorTrainer(config);
        for (int i = 0; i < 2; i++) trainer.TrainStep();
        var folder = Path.Combine(_dir, "half");
        trainer.SaveModel(folder);
        Assert.All(SafetensorsFile.Open(Path.Combine(folder, "unet", "diffusion_pytorch_model.safetensors")).Entries.Values, e =>
            Assert.Equal("F16", e.DType));
        var (unet, text) = trainer.EmaModels();
        using (unet) using (text)
        using (var pipe = StableDiffusionPipeline.Load(folder))
        {
            Assert.Equal(ScalarType.Float32, pipe.Dtype);
            foreach (var (mine, loaded) in new (nn.Module, nn.Module)[] { (unet, pipe.Unet), (text, pipe.TextEncoder) })
            {
                var a = mine.state_dict();
                var b = loaded.state_dict();
                foreach (var k in a.Keys)
                    Assert.True(a[k].to(ScalarType.Float16).to(ScalarType.Float32).equal(b[k]).all().item<bool>(), k);
            }
        }
    }

    [Fact]
    public void ExportWritesTheModelTheFinishedRunWrote()
    {
        var run = Path.Combine(_dir, "run");
        LearnedPriorTraining.Train(LearnedPriorTrainingTests.Tiny(2), run, overwrite: false, SilentRunObserver.Instance);
        var exported = Path.Combine(_dir, "exported");
        LearnedPriorTraining.Export(run, exported, overwrite: false, dtype: null, SilentRunObserver.Instance);
        foreach (var f in new[] { "unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors", "unet/config.json",
            "model_index.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(run, "model", f)), File.ReadAllBytes(Path.Combine(exported, f)));
        Assert.Equal(File.ReadAllText(Path.Combine(run, "config.json")), File.ReadAllText(Path.Combine(exported, "training_config.json")));
        // an existing folder is kept unless overwriting is allowed
        var e = Assert.Throws<UserError>(() =>
            LearnedPriorTraining.Export(run, exported, overwrite: false, dtype: null, SilentRunObserver.Instance));
        Assert.Contains("not empty", e.Message);
        Assert.Contains("overwriting", e.Message);
        var bad = Assert.Throws<UserError>(() =>
            LearnedPriorTraining.Export(_dir, Path.Combine(_dir, "x"), false, null, SilentRunObserver.Instance));
        Assert.Contains("not a learned-prior training folder", bad.Message);
    }

    [Fact]
    public void InitStartsFromTheModelsWeightsAndRefusesAnotherShape()
    {
        var model = TinyModel();
        var run = Path.Combine(_dir, "continued");
        var config = LearnedPriorTrainingTests.Tiny(1) with { Seed = 8, InitModel = model };
        using (var trainer = new LearnedPriorTrainer(config))
        {
            trainer.InitialiseFrom(model);
            var (unet, text) = trainer.EmaModels();
            using (unet) using (text)
            using (var pipe = StableDiffusionPipeline.Load(model))
                foreach (var (mine, saved) in new (nn.Module, nn.Module)[] { (unet, pipe.Unet), (text, pipe.TextEncoder),
                    (trainer.Unet, pipe.Unet) })
                {
                    var a = mine.state_dict();
                    var b = saved.state_dict();
                    foreach (var k in b.Keys) Assert.True(a[k].equal(b[k]).all().item<bool>(), k);
                }
        }
        var e = Assert.Throws<UserError>(() =>
            LearnedPriorTraining.Train(config with { Channels = [16, 16] }, run, false, SilentRunObserver.Instance));
        Assert.Equal("init_model", e.Key);
        Assert.False(Directory.Exists(run));
        LearnedPriorTraining.Train(config, run, false, SilentRunObserver.Instance);
        Assert.Contains(model, File.ReadAllText(Path.Combine(run, "config.json")));

        // the other text-embedding switch: a part the model lacks must not keep its random start unnoticed, and
        // the CLI's WithArchitectureOf takes the model's switch back
        var other = config with { AddTextEmbedding = !config.AddTextEmbedding };
        using (var trainer = new LearnedPriorTrainer(other))
        {
            var missing = Assert.ThrowsAny<UserError>(() => trainer.InitialiseFrom(model));
            Assert.Equal("init_model", missing.Key);
        }
        Assert.Equal(config.AddTextEmbedding, other.WithArchitectureOf(model).AddTextEmbedding);
    }

    [Fact]
    public void NearestRenderOfAMemberRenderIsThatMemberAndViewAndItsPsnrIsTheClosedForm()
    {
        var library = PriorLibrary.Default;
        var scenes = library.Members.Take(30).Select(m => m.Scene).ToList();
        var views = SampleCheck.FrontViews().Where((_, i) => i % 13 == 0).ToList();
        var renderer = new SdfRenderer { Supersample = BuiltinPriorOptions.DefaultSupersample };
        var cases = new[] { (Member: 0, View: 0), (Member: 7, View: 3), (Member: 29, View: views.Count - 1) };
        var images = cases.Select(c => renderer.Render(scenes[c.Member], views[c.View], 16, 16).Rgb).ToList();
        var nearest = SampleCheck.NearestRenders(images, 16, scenes, views);
        for (int i = 0; i < cases.Length; i++)
        {
            Assert.Equal(cases[i].Member, nearest[i].Member);
            Assert.Equal(cases[i].View, nearest[i].View);
        }
        // a uniform offset of 0.1 everywhere: MSE 0.01, PSNR 20 dB
        var shifted = images[1].Select(v => v + 0.1f).ToArray();
        var only = SampleCheck.NearestRenders(new[] { shifted }, 16, new[] { scenes[7] }, new[] { views[3] })[0];
        Assert.Equal(20, only.Psnr, 3);
    }

    [Fact]
    public void FrontViewsAreTheCaptionsFrontViewsAndSpanTheTrainingCamerasApparentSizes()
    {
        var ranges = new CameraRanges();
        var views = SampleCheck.FrontViews(ranges);
        Assert.Equal(6 * 5 * 3, views.Count);
        Assert.All(views, v => Assert.Equal("front", v.ViewName()));
        double Size(double distance, double fov) => distance * Math.Tan(fov * Math.PI / 360);
        var sizes = views.Select(v => Size(v.Distance, v.FovYDeg)).ToList();
        Assert.InRange(sizes.Min(), Size(ranges.DistanceMin, ranges.FovYMinDeg), Size(ranges.DistanceMax, ranges.FovYMaxDeg));
        Assert.InRange(sizes.Max(), Size(ranges.DistanceMin, ranges.FovYMinDeg), Size(ranges.DistanceMax, ranges.FovYMaxDeg));
    }

    [Fact]
    public void RealFrontViewRendersPassTheCheckSoTheGateIsReachable()
    {
        // the check must not fail a model for matching noise: the data it learns from nearly always matches its own family
        var result = SampleCheck.RunOnRenders(perFamily: 3, size: 16);
        Assert.Equal(3 * PriorLibrary.Default.Families.Count, result.Rows.Count);
        Assert.True(result.Rate >= 0.9, $"real renders matched their family {result.Rate:P1} of the time");
    }

    [Fact]
    public void CheckSamplesEveryFamilyAndCountsMatches()
    {
        var result = SampleCheck.Run(TinyModel(), seeds: 2, steps: 2);
        int families = PriorLibrary.Default.Families.Count;
        Assert.Equal(2 * families, result.Rows.Count);
        Assert.Equal(PriorLibrary.Default.Families.Select(f => f.Name), result.Rows.Select(r => r.Family).Distinct());
        Assert.Equal(result.Rows.Count(r => r.NearestFamily == r.Family) / (double)result.Rows.Count, result.Rate);
        Assert.All(result.Rows, r => Assert.True(double.IsFinite(r.Psnr), $"{r.Prompt} seed {r.Seed}: PSNR {r.Psnr}"));
        // one row of tiles per family: its samples, then each sample's nearest member (2-pixel gaps and margins)
        int scale = 96 / 16, tile = 16 * scale;
        Assert.Equal(families * tile + (families + 1) * 2, result.Grid.Height);
        Assert.Equal(4 * tile + 5 * 2, result.Grid.Width);
    }

    [Fact]
    public void FirstSeedStartsTheCheckAtThatSeed()
    {
        // DDIM has no step noise, so a sample depends only on its seed's start noise: seed 1 of a check from seed 0
        // is the sample of a check that starts at seed 1 (up to the rounding of a batch of 2 against 1)
        var both = SampleCheck.Run(TinyModel(), seeds: 2, steps: 2, sampler: "ddim");
        var second = SampleCheck.Run(TinyModel(), seeds: 1, steps: 2, sampler: "ddim", firstSeed: 1);
        var expected = both.Rows.Where(r => r.Seed == 1).ToList();
        Assert.Equal(expected.Select(r => (r.Family, r.NearestMember)), second.Rows.Select(r => (r.Family, r.NearestMember)));
        Assert.All(second.Rows, r => Assert.Equal(1, r.Seed));
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i].Psnr, second.Rows[i].Psnr, 2);
        Assert.Throws<DreamTime.Runtime.UserError>(() => SampleCheck.Run(TinyModel(), seeds: 1, steps: 1, firstSeed: -1));
    }

    [Fact]
    public void TextUseDenoisesFreshRendersWithAndWithoutTheirCaptions()
    {
        using var pipe = StableDiffusionPipeline.Load(TinyModel());
        var rows = SampleCheck.TextUse(pipe, count: 8, timesteps: [100, 900]);
        Assert.Equal(new[] { 100, 900 }, rows.Select(r => r.T));
        Assert.All(rows, r => Assert.True(double.IsFinite(r.PsnrWithCaption) && double.IsFinite(r.PsnrWithoutCaption), $"t {r.T}: {r}"));
        // x_t holds less of x0 at larger t, so any denoiser predicts it worse there
        Assert.True(rows[0].PsnrWithCaption > rows[1].PsnrWithCaption, $"{rows[0]} / {rows[1]}");
        Assert.True(rows[0].PsnrWithoutCaption > rows[1].PsnrWithoutCaption, $"{rows[0]} / {rows[1]}");
        // the same noise for the same t: the measurement repeats (within the rounding of thread splits)
        var again = SampleCheck.TextUse(pipe, count: 8, timesteps: [100, 900]);
        for (int i = 0; i < rows.Count; i++)
        {
            Assert.Equal(rows[i].PsnrWithCaption, again[i].PsnrWithCaption, 3);
            Assert.Equal(rows[i].PsnrWithoutCaption, again[i].PsnrWithoutCaption, 3);
        }
    }

    [Fact]
    public void CorruptOrMismatchedCheckpointsAndModelsAreOneLineErrorsNamingTheFile()
    {
        var run = Path.Combine(_dir, "run");
        LearnedPriorTraining.Train(LearnedPriorTrainingTests.Tiny(1), run, overwrite: false, SilentRunObserver.Instance);
        var ckpt = Path.Combine(run, "checkpoints", "last");

        // another configuration's checkpoint: the first tensor whose shape differs is named with both shapes
        using (var wider = new LearnedPriorTrainer(LearnedPriorTrainingTests.Tiny(1) with { Channels = [16, 16] }))
        {
            var e = Assert.Throws<UserError>(() => wider.LoadCheckpoint(ckpt));
            Assert.Contains(Path.Combine(ckpt, LearnedPriorTrainer.ModelFile), e.Message);
            Assert.Contains("this configuration needs", e.Message);
        }
        // a truncated checkpoint file
        var ema = Path.Combine(ckpt, LearnedPriorTrainer.EmaFile);
        var bytes = File.ReadAllBytes(ema);
        File.WriteAllBytes(ema, bytes[..(bytes.Length / 2)]);
        var (code, err) = Run("prior", "train", "--resume", run, "--steps", "2");
        Assert.Equal(CliHost.UserErrorExit, code);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(ema, err);

        // a model folder whose UNet weights are cut short: the loader's error, as for any diffusers checkpoint
        var weights = Path.Combine(run, "model", "unet", "diffusion_pytorch_model.safetensors");
        var w = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, w[..(w.Length - 100)]);
        var (code2, err2) = Run("prior", "check", "--model", Path.Combine(run, "model"), "--seeds", "1", "--steps", "1");
        Assert.Equal(CliHost.UserErrorExit, code2);
        Assert.Single(err2.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(weights, err2);
    }

    [Fact]
    public void SdsStepBenchmarkTimesBothPriorsAtEachSize()
    {
        var result = DreamTime.Studies.Benchmarks.SdsStepBenchmark.Run(
            new DreamTime.Studies.Benchmarks.SdsStepBenchmarkSettings
            {
                Resolutions = [16],
                LearnedModel = TinyModel(),
                Steps = 1,
                Warmup = 0
            });
        Assert.Equal(new[] { ("builtin", 16), ("learned", 16), ("learned + LoRA", 16), ("vsd", 16) },
            result.Rows.Select(r => (r.Prior, r.Resolution)));
        Assert.All(result.Rows, r => Assert.True(double.IsFinite(r.SecondsPerStep) && r.SecondsPerStep > 0));
        var lines = result.Table().Trim().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("16x16", lines[2]);
    }

    private static (int Code, string Err) Run(params string[] args)
    {
        var root = new RootCommand { PriorCommand.Create(), CompareCommand.Create(), GenerateCommand.Create() };
        var err = new StringWriter();
        int code = CliHost.Run(root, args, err);
        return (code, err.ToString());
    }

    [Theory]
    [InlineData("compare --prior learned --temperature-pixels 4", "--temperature-pixels")]
    [InlineData("compare --prior giraffe", "giraffe")]
    [InlineData("compare --psnr-thresholds 20 Infinity", "--psnr-thresholds")]
    [InlineData("compare --model /no/such/model", "/no/such/model")]
    [InlineData("prior check --model /no/such/model", "/no/such/model")]
    [InlineData("prior check --seeds 0", "seeds (--seeds): is 0;")]
    [InlineData("prior hints mushroom --blur 3", "blur (--blur): is 3;")]
    [InlineData("prior hints mushroom --cameras 0", "cameras (--cameras): is 0;")]
    [InlineData("prior export --run /tmp --out /tmp/x --dtype float8", "model_dtype (--dtype): float8")]
    [InlineData("prior hints mushroom --temperature-pixels warm", "--temperature-pixels warm")]
    [InlineData("prior export --run /no/such/run --out /tmp/x", "/no/such/run")]
    [InlineData("prior export --run /tmp --out /tmp/x --dtype int8", "int8")]
    [InlineData("generate mushroom --prior magic", "magic")]
    public void BadInputIsOneLineExitTwo(string args, string named)
    {
        var (code, err) = Run(args.Split(' '));
        Assert.Equal(CliHost.UserErrorExit, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(named, lines[0]);
    }
}
