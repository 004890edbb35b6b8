using DreamTime.Configuration;
using DreamTime.Guidance;
using DreamTime.Representations;
using DreamTime.Runtime;
using DreamTime.Tests.Cli;
using DreamTime.Training;
using Xunit;
using static DreamTime.Tests.Training.TrainingTestSupport;

namespace DreamTime.Tests.Configuration;

/// <summary>`generate --config FILE --set KEY=VALUE` and the option shortcuts: one configuration tree, changed by key path.</summary>
public class ConfigOverrideTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-config-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void SetChangesNestedKeysWithJsonValues()
    {
        var tree = ConfigOverrides.Defaults();
        ConfigOverrides.Apply(tree, "stages.0.representation.field.hash_levels=5");
        ConfigOverrides.Apply(tree, "guidance.temperature_pixels=null");
        ConfigOverrides.Apply(tree, "stages.0.timesteps.strategy=hifa");
        ConfigOverrides.Apply(tree, "prompt=a snowman");
        ConfigOverrides.Apply(tree, "cameras.distance_max=3.5");
        var cfg = TrainConfig.FromJson(tree, "test");
        Assert.Equal(5, ((NerfSettings)cfg.Stages[0].Representation).Field.HashLevels);
        Assert.Null(((BuiltinPriorSettings)cfg.Guidance).TemperaturePixels);
        Assert.Equal(("hifa", "a snowman", 3.5), (cfg.Stages[0].Timesteps.Strategy, cfg.Prompt, cfg.Cameras.DistanceMax));
    }

    [Fact]
    public void ChangingAComponentTypeStartsFromThatComponentsDefaults()
    {
        var tree = ConfigOverrides.Defaults();
        ConfigOverrides.Apply(tree, "guidance.guidance_scale=3");
        ConfigOverrides.Apply(tree, "guidance.type=stable-diffusion");
        ConfigOverrides.Apply(tree, "guidance.model=/models/sd");
        var cfg = TrainConfig.FromJson(tree, "test");
        var sd = Assert.IsType<StableDiffusionSettings>(cfg.Guidance);
        Assert.Equal(new StableDiffusionSettings { Model = "/models/sd" }, sd);
        Assert.Equal("stable-diffusion", cfg.GuidanceName);
    }

    [Theory]
    [InlineData("guidance.view_dependent_prompt=false",
        "guidance (builtin) has no key 'view_dependent_prompt'; its keys: type, beta_schedule")]
    [InlineData("stages.0.representation.field.levels=3", "stages.0.representation.field has no key 'levels'; its keys: hash_levels")]
    [InlineData("nerf.hash_levels=3", "'nerf' is not a section")]
    [InlineData("guidance_scale", "expected KEY=VALUE")]
    [InlineData("guidance.type=deepfloyd-if",
        "guidance.type deepfloyd-if: unknown; allowed: builtin, builtin-image, zero123, stable-diffusion")]
    public void BadAssignmentsNameTheKey(string assignment, string expected)
    {
        var e = Assert.Throws<UserError>(() => ConfigOverrides.Apply(ConfigOverrides.Defaults(), assignment));
        Assert.StartsWith("override ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void AConfigFileWithATypoOrAWrongTypeIsRefusedNamingTheKey()
    {
        var tree = ConfigOverrides.Defaults();
        tree["stages"]![0]!["representation"]!.AsObject()["lr_encodng"] = 0.1;
        var e = Assert.Throws<UserError>(() => TrainConfig.FromJson(tree, "run.json"));
        Assert.Contains("run.json", e.Message);
        Assert.Contains("lr_encodng", e.Message);
        Assert.Contains("unknown key 'stages.0.representation.lr_encodng'", e.Message);
        var wrongType = ConfigOverrides.Defaults();
        wrongType["guidance"]!.AsObject()["temperature_pixels"] = "hot";
        Assert.Contains("'guidance.temperature_pixels' has the wrong type (expected a number)",
            Assert.Throws<UserError>(() => TrainConfig.FromJson(wrongType, "run.json")).Message);
        var badField = ConfigOverrides.Defaults();
        badField["stages"]![0]!["representation"]!["field"]!.AsObject()["hash_levels"] = 99;
        var fieldError = Assert.Throws<UserError>(() => TrainConfig.FromJson(badField, "run.json").Validate());
        Assert.Equal("stages.0.representation.field.hash_levels", fieldError.Key);
        Assert.StartsWith("stages.0.representation.field.hash_levels: 99 must be in 1..32", fieldError.Message);
        var noType = ConfigOverrides.Defaults();
        noType["guidance"]!.AsObject().Remove("type");
        Assert.Contains("'guidance.type' is missing", Assert.Throws<UserError>(() => TrainConfig.FromJson(noType, "run.json")).Message);
    }

    [Fact]
    public void GenerateFromAConfigFileWithOverridesRecordsTheResolvedConfiguration()
    {
        var cfg = Tiny(2, seed: 4, prompt: "a snowman") with { EvalEvery = 0, PreviewEvery = 0, CheckpointEvery = 0, TurntableFrames = 1 };
        var file = Path.Combine(_dir, "run.json");
        File.WriteAllText(file, cfg.ToJson());
        var outDir = Path.Combine(_dir, "out");
        var (code, err) = GenerateCommandTests.Generate("--config", file, "--out", outDir, "--strategy", "linear", "--set",
            "stages.0.representation.lambda_orientation=0.5", "--set", "stages.0.timesteps.t_min=30");
        Assert.True(code == 0, err);
        var saved = TrainConfig.FromJson(File.ReadAllText(Path.Combine(outDir, "config.json")), "config.json");
        var expected = cfg.WithStage(s => s with { Timesteps = s.Timesteps with { Strategy = "linear", TMin = 30 } }).WithNerf(n =>
            n with { LambdaOrientation = 0.5 });
        Assert.Equal(expected, saved);
    }

    [Fact]
    public void BadOverridesOnTheCommandLineAreOneLineErrorsThatWriteNothing()
    {
        var outDir = Path.Combine(_dir, "out");
        foreach (var (args, expected) in new (string[], string)[]
                 {
                     (new[] { "a red mushroom", "--set", "guidance.nope=1" }, "--set guidance.nope: guidance (builtin) has no key 'nope'"),
                     (new[] { "a red mushroom", "--no-view-prompt" },
                         "--no-view-prompt: guidance (builtin) has no key 'view_dependent_prompt'"),
                     (new[] { "a red mushroom", "--config", Path.Combine(_dir, "missing.json") }, "--config"),
                     (new[] { "a red mushroom", "--temperature-pixels", "-3" }, "--temperature-pixels -3"),
                     (new[] { "a red mushroom", "--guidance", "stable-diffusion" }, "--model"),
                 })
        {
            var (code, err) = GenerateCommandTests.Generate(args.Concat(new[] { "--out", outDir }).ToArray());
            Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}: {err}");
            var line = Assert.Single(err.Trim().Split('\n'));
            Assert.Contains(expected, line);
            Assert.False(Directory.Exists(outDir));
        }
    }

    [Fact]
    public void ResumeTakesADeviceAndALargerIterationCountAndRecordsThem()
    {
        var root = Path.Combine(_dir, "run");
        var cfg = Tiny(3) with { EvalEvery = 0, PreviewEvery = 0, TurntableFrames = 1 };
        Assert.Equal(0, GenerateCommandTests.Generate("--config", Write(cfg), "--out", root).Code);
        var (code, err) = GenerateCommandTests.Generate("--resume", root, "--iterations", "5", "--device", "cpu");
        Assert.True(code == 0, err);
        Assert.Contains("extending the run's last stage from 3 to 5 iterations", err);
        var run = new RunFolder(root);
        Assert.Equal(5, Checkpoint.LoadState(run.StageCheckpoint(0, "nerf")).Step);
        Assert.Equal(5, TrainConfig.FromJson(File.ReadAllText(run.Config), run.Config).Stages[0].Iterations);
        Assert.Equal(5, File.ReadAllLines(run.MetricsLog).Length);
    }

    private string Write(TrainConfig cfg)
    {
        var path = Path.Combine(_dir, $"cfg-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, cfg.ToJson());
        return path;
    }
}
