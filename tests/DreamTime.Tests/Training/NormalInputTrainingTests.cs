using System.Text.Json;
using DreamTime.Configuration;
using DreamTime.Diffusion;
using DreamTime.Evaluation;
using DreamTime.Guidance;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Training;
using Xunit;
using static DreamTime.Tests.Training.TrainingTestSupport;
using static TorchSharp.torch;

namespace DreamTime.Tests.Training;

/// <summary>A stage whose guidance_input is "normal": the guidance sees normal images and the evaluation scores them.</summary>
public class NormalInputTrainingTests : IDisposable
{
    static NormalInputTrainingTests() => TorchRuntime.ConfigureAllocator();
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-normal-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static TrainConfig NormalRun(int iterations) => Tiny(iterations).WithStage(s => s with { GuidanceInput = "normal" });

    /// <summary>Keeps what the trainer handed over and pulls the images towards grey.</summary>
    private sealed class RecordingGuidance : IGuidance
    {
        public string Name => "recording";
        public NoiseSchedule Schedule { get; } = NoiseSchedule.StableDiffusion;
        public List<(Tensor Rgb, Tensor Normal, Tensor Opacity)> Seen { get; } = new();

        public GuidanceOutput Step(GuidanceInput input)
        {
            var r = input.Render;
            Seen.Add((r.Rgb.detach().clone().DetachFromDisposeScope(), r.Normal.detach().clone().DetachFromDisposeScope(),
                r.Opacity.detach().clone().DetachFromDisposeScope()));
            return new GuidanceOutput(new Dictionary<string, Tensor> { ["sds"] = r.Rgb.Minus(0.5).Squared().mean() },
                new Dictionary<string, double>());
        }

        public void Dispose() { }
    }

    [Fact]
    public void TheGuidanceSeesTheNormalImageAndRenderViewReturnsIt()
    {
        var recorder = new RecordingGuidance();
        using var trainer = NewTrainer(NormalRun(2), Path.Combine(_dir, "rec"), guidance: recorder);
        trainer.Step(1);
        trainer.Step(2);
        Assert.Equal(2, recorder.Seen.Count);
        foreach (var (rgb, normal, opacity) in recorder.Seen)
        {
            Assert.True(normal.abs().max().item<float>() > 0.1f, "the render carries no normals");
            // opacity (n / 2 + 1/2) + (1 - opacity) white, where the render's composited normals are N = opacity n
            var expected = normal.Times(0.5).Plus(opacity.Times(0.5)).Plus(opacity.SubtractedFrom(1));
            Assert.True((rgb - expected).abs().max().item<float>() < 1e-6);
        }

        var cam = new Camera(20, 30, 2.5, 45);
        var (image, mask) = trainer.Trainer.RenderView(cam, 16, 16);
        var (shaded, _) = trainer.Trainer.RenderView(cam, 16, 16, ShadingMode.Diffuse);
        using (no_grad())
        {
            var request = new DreamTime.Representations.RenderRequest([cam], 16, 16, ShadingMode.Diffuse, trainer.Trainer.Light);
            var r = trainer.Model.Render(request);
            Assert.Equal(mask.data<float>().ToArray(), r.Opacity[0, .., .., 0].contiguous().data<float>().ToArray());
            Assert.True((image - NormalImage.Of(r)[0]).abs().max().item<float>() < 1e-6);
            Assert.True((shaded - r.Rgb[0]).abs().max().item<float>() < 1e-6);
        }
    }

    [Fact]
    public void ABuiltinPriorRunOnNormalsTrainsAndReportsNormalPsnr()
    {
        const int n = 4;
        var cfg = NormalRun(n) with { EvalEvery = 2 };
        cfg.Validate();
        using var trainer = NewTrainer(cfg, Path.Combine(_dir, "run"), evaluator: true);
        var guidance = Assert.IsType<DreamTime.Guidance.BuiltinPrior.BuiltinPriorGuidance>(trainer.Guidance);
        Assert.Equal(ImageModality.Normal, guidance.Options.Input);
        var outcome = new TrainingSession(trainer, trainer.Run, new SilentRunObserver()) { Export = RunExports.WriteAll }
            .Run(CancellationToken.None);
        Assert.Equal(SessionOutcome.Completed, outcome);
        Assert.All(trainer.History, h => Assert.True(double.IsFinite(h.Loss), $"step {h.Step}: loss {h.Loss}"));
        var evals = trainer.History.Where(h => h.Evaluation != null).ToList();
        Assert.NotEmpty(evals);
        foreach (var e in evals.Select(h => h.Evaluation!))
        {
            Assert.Equal(new[] { "mask_iou", "normal_psnr" }, e.Metrics.Keys.Order());
            Assert.InRange(e.Metric("normal_psnr")!.Value, 0, ImageMetrics.PerfectMatchPsnr);
        }
        Assert.Contains("\"normal_psnr\"", File.ReadAllText(trainer.Run.MetricsLog));
        using var metrics = JsonDocument.Parse(File.ReadAllText(trainer.Run.Metrics));
        var m = metrics.RootElement;
        Assert.True(m.TryGetProperty("normal_psnr", out _));
        Assert.True(m.TryGetProperty("first_iteration_normal_psnr_20", out _));
        Assert.False(m.TryGetProperty("psnr", out _));
    }
}
