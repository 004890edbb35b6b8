using System.CommandLine;
using DreamTime.Cli;
using DreamTime.Cli.Commands;
using DreamTime.Diffusion;
using DreamTime.Models.Zero123;
using DreamTime.Tests.Cli;
using DreamTime.Tests.Imaging;
using DreamTime.Tests.Models.Diffusers;
using SkiaSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Zero123;

/// <summary>Novel-view sampling (<see cref="Zero123Pipeline.SampleView"/>) and the `sample-views` command on the tiny fixture.</summary>
public class Zero123SampleViewTests : IDisposable
{
    private static Zero123Pipeline P => TinyZero123.Pipeline;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dreamtime-sample-views-" + Guid.NewGuid().ToString("N"));

    public Zero123SampleViewTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static Zero123Condition FixtureCondition() =>
        P.EncodeCondition(TinyZero123.Ref("guide_cond_pixel_values"), TinyZero123.Ref("guide_cond_image"));

    [Fact]
    public void SamplingLoopIsDdimOverTheGuidedNoise()
    {
        using var scope = NewDisposeScope();
        using var cond = FixtureCondition();
        var pose = new Zero123Pose(-15, 40, 0.2);
        var noise = randn(P.LatentShape(cond), generator: new Generator(3));
        var ours = P.SampleLatents(cond, pose, noise, 2, 3.0);

        // the fixture's scheduler predicts epsilon, so the plain scheduler reads PredictNoiseGuided's output as it is
        Assert.Equal(ModelPrediction.Epsilon, P.SchedulerConfig.PredictionType);
        var scheduler = new DdimScheduler(P.SchedulerConfig);
        var timesteps = scheduler.SetTimesteps(2);
        Assert.Equal(new[] { 501, 1 }, timesteps);
        var poses = Zero123Pose.ToTensor(new[] { pose });
        var x = noise;
        foreach (var t in timesteps) x = scheduler.Step(P.PredictNoiseGuided(x, t, cond, poses, 3.0), t, x);

        // the same operations, but not bit for bit: with other tests running, the math library may split the same
        // product differently between threads (6.7e-6 seen); float32 rounding of latents ~1, times the guidance scale 3
        // and the DDIM step's 1/sqrt(alpha_bar) (~1.4 at t = 501), stays far below 1e-4
        Assert.True(TinySd.MaxAbsDiff(x, ours) < 1e-4, $"the loop differs from hand-unrolled DDIM by {TinySd.MaxAbsDiff(x, ours)}");
        Assert.True(TinySd.MaxAbsDiff(noise, ours) > 0.1, "two steps left the noise as it was");
        // the pose and the scale reach the UNet
        Assert.True(TinySd.MaxAbsDiff(ours, P.SampleLatents(cond, pose with { AzimuthDeg = -40 }, noise, 2, 3.0)) > 1e-3);
        Assert.True(TinySd.MaxAbsDiff(ours, P.SampleLatents(cond, pose, noise, 2, 1.0)) > 1e-3);
    }

    [Fact]
    public void SameSeedSameViewAtTheModelResolution()
    {
        using var scope = NewDisposeScope();
        using var cond = FixtureCondition();
        var request = new Zero123Pipeline.ViewRequest(Zero123Pose.FromCameraChange(20, 90, 0), Steps: 3, Seed: 5);
        var a = P.SampleView(cond, request);
        var b = P.SampleView(cond, request);
        var other = P.SampleView(cond, request with { Seed = 6 });
        Assert.Equal(new long[] { 1, P.DefaultResolution, P.DefaultResolution, 3 }, a.shape);
        // equal up to the thread-split rounding described in SamplingLoopIsDdimOverTheGuidedNoise
        Assert.True(TinySd.MaxAbsDiff(a, b) < 1e-4, $"the same seed differs by {TinySd.MaxAbsDiff(a, b)}");
        Assert.True(TinySd.MaxAbsDiff(a, other) > 1e-3, "another seed gave the same image");
        Assert.True(a.min().item<float>() >= 0 && a.max().item<float>() <= 1);
    }

    [Fact]
    public void CameraChangeIsTheNegatedPolarAngle()
    {
        // Zero-1-to-3 takes target minus input polar angle (from the up axis): looking from higher up lowers it
        Assert.Equal(new Zero123Pose(-30, 45, 0.5), Zero123Pose.FromCameraChange(30, 45, 0.5));
    }

    private string DiscPng(string name = "disc.png") =>
        ObjectImageTests.Write(Path.Combine(_dir, name), ObjectImageTests.DiscOnAlpha(48, 40, 20, 22, 12, (200, 40, 40)), 48, 40);

    private static (int Exit, string Out, string Err) Run(params string[] args)
        => CommandTestSupport.Invoke(SampleViewsCommand.Create(), args);

    [Fact]
    public void CommandWritesAViewOfTheModelResolution()
    {
        var outPath = Path.Combine(_dir, "views", "view.png");
        var (exit, output, error) = Run("--model", Fixtures.TinyZero123, "--image", DiscPng(), "--elevation", "10", "--azimuth", "30",
            "--steps", "2", "--seed", "1", "--out", outPath);
        Assert.Equal(0, exit);
        Assert.Contains("step 2/2", error);
        Assert.Contains("sampled 32x32 in 2 steps", output);
        using var bmp = SKBitmap.Decode(outPath);
        Assert.NotNull(bmp);
        Assert.Equal((P.DefaultResolution, P.DefaultResolution), (bmp.Width, bmp.Height));
        // the atomic write left nothing beside it
        Assert.Equal(new[] { "view.png" }, Directory.GetFiles(Path.GetDirectoryName(outPath)!).Select(f => Path.GetFileName(f)).ToArray());

        // the same seed writes the same picture (a value within 1e-4 of a rounding boundary may land one level off)
        var again = Path.Combine(_dir, "views", "again.png");
        Assert.Equal(0, Run("--model", Fixtures.TinyZero123, "--image", DiscPng(), "--elevation", "10", "--azimuth", "30",
            "--steps", "2", "--seed", "1", "--out", again).Exit);
        using var first = SKBitmap.Decode(outPath);
        using var second = SKBitmap.Decode(again);
        for (int y = 0; y < first.Height; y++)
            for (int x = 0; x < first.Width; x++)
            {
                SKColor c1 = first.GetPixel(x, y), c2 = second.GetPixel(x, y);
                Assert.True(Math.Abs(c1.Red - c2.Red) <= 1 && Math.Abs(c1.Green - c2.Green) <= 1 && Math.Abs(c1.Blue - c2.Blue) <= 1,
                    $"pixel ({x}, {y}): {c1} against {c2}");
            }
    }

    /// <summary>Runs the command as the program does: exit code and what it wrote to stderr.</summary>
    private static (int Exit, string Err) RunCli(params string[] args)
    {
        var root = new Command("dreamtime");
        root.Subcommands.Add(SampleViewsCommand.Create());
        var err = new StringWriter();
        int exit = CliHost.Run(root, ["sample-views", .. args], err);
        return (exit, err.ToString());
    }

    [Fact]
    public void BadInputsFailWithOneLineAndNoOutput()
    {
        var outPath = Path.Combine(_dir, "out.png");
        var image = DiscPng();
        var notImage = Path.Combine(_dir, "notes.png");
        File.WriteAllText(notImage, "hello");
        var cases = new (string[] Args, string Expected)[]
        {
            (new[] { "--model", Path.Combine(_dir, "no-such-model"), "--image", image }, "no-such-model"),
            (new[] { "--model", Fixtures.TinySd15, "--image", image }, "not a Zero-1-to-3 checkpoint"),
            (new[] { "--model", Fixtures.TinyZero123, "--image", Path.Combine(_dir, "missing.png") }, "missing.png: file not found"),
            (new[] { "--model", Fixtures.TinyZero123, "--image", notImage }, "notes.png: not an image"),
            (new[] { "--model", Fixtures.TinyZero123, "--image", image, "--steps", "0" }, "steps (--steps): is 0;"),
            (new[] { "--model", Fixtures.TinyZero123, "--image", image, "--foreground-ratio", "1.5" },
                "foreground_ratio (--foreground-ratio): is 1.5"),
        };
        foreach (var (args, expected) in cases)
        {
            var (exit, err) = RunCli(
                [.. args, .. (args.Contains("--steps") ? Array.Empty<string>() : new[] { "--steps", "1" }), "--out", outPath]);
            var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("loading ")).ToArray();
            Assert.True(exit == CliHost.UserErrorExit, $"{string.Join(" ", args)}: exit {exit}, stderr: {err}");
            Assert.True(lines.Length == 1, $"{string.Join(" ", args)}: expected one error line, got: {err}");
            Assert.StartsWith("error: ", lines[0]);
            Assert.Contains(expected, lines[0]);
            Assert.False(File.Exists(outPath), $"{string.Join(" ", args)} wrote {outPath}");
        }

        // a required option left out is a parse error: one error line, then the hint to --help
        var (code, text) = RunCli("--model", Fixtures.TinyZero123, "--out", outPath);
        Assert.Equal(CliHost.UserErrorExit, code);
        var errors = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("error: ")).ToArray();
        Assert.Single(errors);
        Assert.Contains("--image", errors[0]);
        Assert.False(File.Exists(outPath));
    }
}
