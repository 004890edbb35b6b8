using System.CommandLine;
using System.Text.Json.Nodes;
using DreamTime.Cli;
using DreamTime.Cli.Commands;
using DreamTime.Diffusion;
using DreamTime.Guidance;
using DreamTime.Guidance.StableDiffusion;
using DreamTime.Guidance.Zero123;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Tests.Models.Zero123;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Guidance.Zero123;

/// <summary>The zero123 guidance: poses relative to the input camera, and one SDS step assembled from the pipeline's parts by
/// hand.</summary>
public class Zero123SdsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-zero123-sds-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static Tensor Picture()
    {
        var g = new Generator(21);
        return rand(new long[] { 32, 32, 3 }, generator: g);
    }

    [Fact]
    public void PosesAreTheChangeFromTheInputCamera()
    {
        using var scope = NewDisposeScope();
        var input = new Camera(10, 30, 2.2, 45);
        using var guidance = new Zero123Guidance(TinyZero123.Pipeline, new StableDiffusionGuidanceOptions { GuidanceScale = 3 }, Picture(),
            input);
        var poses = guidance.PosesFor(new[] { input, new Camera(40, -60, 2.0, 45), new Camera(-5, 210, 2.4, 50) });
        var expected = new float[] { 0, 0, 0, -30, -90, -0.2f, 15, 180, 0.2f };
        var got = poses.data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], got[i], 5);
    }

    [Fact]
    public void AStepIsScoreDistillationWithThePipelinesGuidedNoise()
    {
        using var scope = NewDisposeScope();
        var pipe = TinyZero123.Pipeline;
        var input = new Camera(10, 30, 2.2, 45);
        var options = new StableDiffusionGuidanceOptions
        {
            GuidanceScale = 3,
            LatentMode = LatentMode.Mean,
            Weighting = SdsWeighting.OneMinusAlphaBar
        };
        var picture = Picture();
        using var guidance = new Zero123Guidance(pipe, options, picture, input);
        var cameras = new[] { new Camera(25, 100, 2.2, 45) };
        var render = rand(new long[] { 1, 32, 32, 3 }, generator: new Generator(22));
        const int t = 600;
        var output = guidance.Step(new GuidanceInput(RenderOutput.FromImages(render), cameras, new Conditioning(""), t, new Generator(23)));

        // the same step from the pipeline's parts: latents of the render, noise from the same stream, guided noise at the pose
        using var _ = no_grad();
        var x = pipe.Vae.Encode(render.permute(0, 3, 1, 2).Times(2).Minus(1)).Mean.Times(pipe.Vae.Config.ScalingFactor);
        double ab = pipe.Schedule.AlphaBar(t);
        var eps = randn(x.shape, generator: new Generator(23));
        var noisy = x.Times(Math.Sqrt(ab)).Plus(eps.Times(Math.Sqrt(1 - ab)));
        using var cond = pipe.EncodeCondition(picture.permute(2, 0, 1), 32, 32);
        var pose = tensor(new float[] { -15, 70, 0 }, new long[] { 1, 3 });
        var grad = (pipe.PredictNoiseGuided(noisy, t, cond, pose, 3) - eps).Times(1 - ab);
        double expectedNorm = grad.norm().item<float>();
        // loss = 0.5 ||x - stopgrad(x - grad)||^2 / B = 0.5 ||grad||^2 for one camera. The two paths run the same
        // float32 kernels on the same inputs; thread splits may round sums differently (1e-6 relative seen): 1e-4
        AssertRelative(expectedNorm, output.Stats["grad_norm"], 1e-4);
        AssertRelative(0.5 * expectedNorm * expectedNorm, output.Losses["sds"].item<float>(), 1e-4);
    }

    private static void AssertRelative(double expected, double actual, double tolerance)
    {
        Assert.True(Math.Abs(actual - expected) <= tolerance * Math.Abs(expected),
            $"expected {expected}, got {actual} (relative tolerance {tolerance})");
    }

    [Fact]
    public void GenerateWithAnImageAndAZero123CheckpointRuns()
    {
        var picture = Path.Combine(_dir, "in.png");
        var root = new RootCommand { PriorCommand.Create(), GenerateCommand.Create() };
        var err = new StringWriter();
        Assert.Equal(0, CliHost.Run(root, ["prior", "render", "a snowman", "--member", "1", "--size", "64", "--out", picture], err));
        var cfg = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(cfg, (DreamTime.Tests.Training.TrainingTestSupport.Tiny(3) with { Prompt = "" }).ToJson());
        var outDir = Path.Combine(_dir, "run");
        int code = CliHost.Run(root, ["generate", "--config", cfg, "--image", picture, "--model", Fixtures.TinyZero123, "--out", outDir],
            err);
        Assert.True(code == 0, err.ToString());
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "metrics.json")))!;
        Assert.Equal("zero123", (string?)metrics["guidance"]);
        Assert.InRange((double)metrics["input_view_psnr"]!, 0, 100);
        var step = JsonNode.Parse(File.ReadAllLines(Path.Combine(outDir, "metrics.jsonl"))[0])!;
        Assert.True(double.IsFinite((double)step["losses"]!["sds"]!), step.ToJsonString());
    }
}
