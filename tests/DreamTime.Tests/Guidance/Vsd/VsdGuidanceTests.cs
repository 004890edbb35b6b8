using DreamTime.Guidance;
using DreamTime.Guidance.StableDiffusion;
using DreamTime.Guidance.Vsd;
using DreamTime.Models.Diffusers;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Tests.Models.Diffusers;
using DreamTime.Tests.Training;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Guidance.Vsd;

public sealed class VsdGuidanceTests : IClassFixture<PixelSpaceCheckpoint>, IDisposable
{
    private readonly PixelSpaceCheckpoint _model;
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-vsd-").FullName;

    public VsdGuidanceTests(PixelSpaceCheckpoint model) => _model = model;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static readonly StableDiffusionGuidanceOptions Sds = new() { GuidanceScale = 3, ViewDependentPrompt = false };
    private static readonly VsdOptions Vsd = new() { Seed = 5, LearningRate = 1e-3 };

    private static IReadOnlyList<Camera> Cameras => new CameraRanges().Ring(2, 15);

    /// <summary>A VSD guidance whose LoRA is already trained a little: a fresh one has B = 0 and hides mistakes in A.</summary>
    private static StableDiffusionGuidance TrainedVsd(StableDiffusionPipeline pipe)
    {
        var g = new StableDiffusionGuidance(pipe, Sds, vsd: Vsd);
        Perturb(g.TrainableGroups[0].Parameters);
        return g;
    }

    private static void Perturb(IEnumerable<TorchSharp.Modules.Parameter> parameters)
    {
        var generator = new Generator(9);
        using var _ = no_grad();
        foreach (var p in parameters) p.add_(randn(p.shape, generator: generator).Times(0.05), Scalars.One);
    }

    [Fact]
    public void TheGradientIsTheGuidedPredictionMinusTheLoraEstimate()
    {
        using var pipeA = StableDiffusionPipeline.Load(_model.Folder);
        using var pipeB = StableDiffusionPipeline.Load(_model.Folder);
        using var guidance = TrainedVsd(pipeA);
        // the reference: the same LoRA (same seed, same perturbation) on a second copy of the model
        var scoreB = new LoraScore(pipeB, Vsd);
        Perturb(scoreB.Parameters);

        const int t = 600;
        var rgb = rand(new long[] { 2, 8, 8, 3 }, generator: new Generator(1)).requires_grad_(true);
        var input = new GuidanceInput(RenderOutput.FromImages(rgb), Cameras, new Conditioning("a cat"), t, new Generator(7));
        var output = guidance.Step(input);
        Assert.Equal(new[] { "vsd", "lora" }, output.Losses.Keys);
        output.Losses["vsd"].backward();
        var actual = rgb.grad!.clone();

        // the same step by hand: x = 2 rgb - 1, x_t from the same noise, w(t) (eps_guided - eps_lora) / B through x
        using var _ = no_grad();
        var x = rgb.detach().permute(0, 3, 1, 2).Times(2).Minus(1);
        double ab = pipeB.Schedule.AlphaBar(t);
        var noise = randn(x.shape, generator: new Generator(7));
        var noisy = x.Times(Math.Sqrt(ab)).Plus(noise.Times(Math.Sqrt(1 - ab)));
        var cond = pipeB.EncodePrompt("a cat").expand(2, -1, -1);
        var uncond = pipeB.EncodePrompt("");
        var guided = pipeB.GuidedNoise(noisy, t, cond, uncond, 3);
        var baseline = scoreB.NoiseEstimate(noisy, t, cond, scoreB.CameraMatrices(Cameras));
        var expected = (guided - baseline).Times((1 - ab) * 2 / 2.0).permute(0, 2, 3, 1);
        double scale = expected.abs().max().item<float>();
        double diff = (actual - expected).abs().max().item<float>();
        Assert.True(scale > 1e-3, "the VSD gradient vanished");
        Assert.True(diff < 1e-5 * Math.Max(1, scale), $"max |diff| {diff} (gradient scale {scale})");
        Assert.True((guided - noise).abs().max().item<float>() > 10 * diff, "indistinguishable from SDS");

        // outside its own calls the LoRA is off: the prior is the base model, exactly
        var plain = _model.GuidedEps(noisy, t, _model.Embedding("a cat"), _model.Embedding(""), 3);
        Assert.True((pipeA.GuidedNoise(noisy, t, cond, uncond, 3) - plain).abs().max().item<float>() < 1e-5);
        scoreB.Dispose();
    }

    [Fact]
    public void TheLoraTermTrainsOnlyTheLora()
    {
        using var pipe = StableDiffusionPipeline.Load(_model.Folder);
        using var guidance = TrainedVsd(pipe);
        var rgb = rand(new long[] { 2, 8, 8, 3 }, generator: new Generator(2)).requires_grad_(true);
        var output = guidance.Step(new GuidanceInput(RenderOutput.FromImages(rgb), Cameras, new Conditioning("a cat"), 300,
            new Generator(3)));
        output.Losses["lora"].backward();
        Assert.True(rgb.grad is null || rgb.grad.abs().max().item<float>() == 0, "the LoRA's loss reached the render");
        var group = guidance.TrainableGroups.Single();
        Assert.Equal(OptimizerSettingsAdamW, group.Optimizer);
        Assert.Equal(1e-3, group.LearningRate);
        Assert.All(group.Parameters, p => Assert.True(p.grad is not null && p.grad.abs().max().item<float>() > 0));
        Assert.All(pipe.Unet.parameters(), p => Assert.Null(p.grad));
    }

    private static DreamTime.Optimization.OptimizerSettings OptimizerSettingsAdamW => DreamTime.Optimization.OptimizerSettings.AdamW;

    [Fact]
    public void ResumingReproducesTheRunWithTheLoraAndItsOptimizer()
    {
        const int n = 4, k = 2;
        var cfg = TrainingTestSupport.Tiny(n) with { Guidance = new VsdSettings { Model = _model.Folder } };
        var straight = Path.Combine(_dir, "straight");
        var resumed = Path.Combine(_dir, "resumed");
        List<DreamTime.Training.StepRecord> a = [], b = [];
        Dictionary<string, double[]> straightLora, resumedLora, straightAdam, resumedAdam;
        using (var s = TrainingTestSupport.NewTrainer(cfg, straight))
        {
            for (int i = 1; i <= n; i++) a.Add(s.Step(i));
            s.SaveCheckpoint();
            straightLora = TrainingTestSupport.Tensors(Path.Combine(s.Checkpoint, "guidance.safetensors"));
            straightAdam = TrainingTestSupport.Tensors(DreamTime.Training.Checkpoint.OptimizerPath(s.Checkpoint));
        }
        using (var first = TrainingTestSupport.NewTrainer(cfg, resumed))
        {
            for (int i = 1; i <= k; i++) b.Add(first.Step(i));
            first.SaveCheckpoint();
        }
        using (var second = TrainingTestSupport.NewTrainer(cfg, resumed,
                   DreamTime.Training.Checkpoint.Find(Path.Combine(resumed, "checkpoints", "0-nerf"))))
        {
            for (int i = k + 1; i <= n; i++) b.Add(second.Step(i));
            second.SaveCheckpoint();
            resumedLora = TrainingTestSupport.Tensors(Path.Combine(second.Checkpoint, "guidance.safetensors"));
            resumedAdam = TrainingTestSupport.Tensors(DreamTime.Training.Checkpoint.OptimizerPath(second.Checkpoint));
        }
        Assert.Equal(a.Select(r => (r.T, r.Loss, string.Join(",", r.Losses))), b.Select(r => (r.T, r.Loss, string.Join(",", r.Losses))));
        Assert.Contains("lora", a[0].Losses.Keys);
        Assert.Equal(0, TrainingTestSupport.MaxDifference(straightLora, resumedLora));
        Assert.Equal(0, TrainingTestSupport.MaxDifference(straightAdam, resumedAdam));
        Assert.Contains(straightAdam.Keys, key => key.StartsWith("m.lora.", StringComparison.Ordinal));
    }

    [Fact]
    public void ALatentStableDiffusionModelTrainsItsLoraThroughTheVae()
    {
        var cfg = TrainingTestSupport.Tiny(2) with
        {
            Prompt = "a hamburger",
            Guidance = new VsdSettings { Model = Fixtures.TinySd15, LoraLr = 1e-2 },
        };
        using var trainer = TrainingTestSupport.NewTrainer(cfg, Path.Combine(_dir, "sd"));
        Assert.Equal("vsd", trainer.Guidance.Name);
        var lora = trainer.Guidance.TrainableGroups.Single().Parameters;
        var before = lora.Select(p => p.detach().clone()).ToList();
        for (int step = 1; step <= 2; step++)
        {
            var record = trainer.Step(step);
            Assert.True(double.IsFinite(record.Losses["vsd"]) && double.IsFinite(record.Losses["lora"]));
        }
        Assert.Contains(lora.Zip(before), pair => (pair.First - pair.Second).abs().max().item<float>() > 0);
    }

    [Fact]
    public void SettingsErrorsNameTheirKeys()
    {
        foreach (var (settings, key) in new (VsdSettings, string)[]
                 {
                     (new VsdSettings { LoraRank = 0 }, "lora_rank"),
                     (new VsdSettings { LoraLr = -1 }, "lora_lr"),
                     (new VsdSettings { CameraDropout = 1 }, "camera_dropout"),
                     (new VsdSettings { LoraTargets = ["to_x"] }, "lora_targets"),
                     (new VsdSettings { Model = " " }, "model"),
                 })
            Assert.Equal(key, Assert.Throws<UserError>(settings.Validate).Key);
        var builtin = new BuiltinPriorSettings { Loras = [new DreamTime.Models.Lora.LoraReference("x.safetensors")] };
        Assert.Equal("loras", Assert.Throws<UserError>(builtin.Validate).Key);
    }
}
