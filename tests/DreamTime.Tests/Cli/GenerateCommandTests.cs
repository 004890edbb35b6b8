using System.CommandLine;
using System.Text.Json.Nodes;
using DreamTime.Cli;
using DreamTime.Cli.Commands;
using DreamTime.Configuration;
using DreamTime.Training;
using Xunit;
using static DreamTime.Tests.Training.TrainingTestSupport;

namespace DreamTime.Tests.Cli;

public class GenerateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-generate-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    internal static (int Code, string Err) Generate(params string[] args)
    {
        var root = new RootCommand { GenerateCommand.Create() };
        var err = new StringWriter();
        int code = CliHost.Run(root, new[] { "generate" }.Concat(args).ToArray(), err);
        return (code, err.ToString());
    }

    /// <summary>Exit code 2 with one line "error: ..." holding every expected fragment, and no stack trace.</summary>
    private static string AssertUserError((int Code, string Err) result, params string[] expected)
    {
        Assert.True(result.Code == 2, $"exit code {result.Code}: {result.Err}");
        var line = Assert.Single(result.Err.Trim().Split('\n'));
        Assert.StartsWith("error: ", line);
        Assert.DoesNotContain("   at ", result.Err);
        foreach (var e in expected) Assert.Contains(e, line);
        return line;
    }

    /// <summary>Every file under a folder with its bytes, by relative path.</summary>
    private static Dictionary<string, byte[]> Snapshot(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllBytes);

    private static void AssertUnchanged(Dictionary<string, byte[]> before, string dir)
    {
        var after = Snapshot(dir);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (name, bytes) in before) Assert.True(bytes.AsSpan().SequenceEqual(after[name]), $"{name} changed");
    }

    /// <summary>A run folder as generate leaves it after an interruption at step 2: config.json and a checkpoint.</summary>
    private string MakeRunFolder()
    {
        var root = Path.Combine(_dir, "run");
        var cfg = Tiny(4);
        using (var trainer = NewTrainer(cfg, root))
        {
            trainer.Step(1);
            trainer.Step(2);
            trainer.SaveCheckpoint();
            File.WriteAllText(trainer.Run.Config, cfg.ToJson());
        }
        return root;
    }

    [Theory]
    [InlineData]
    [InlineData("")]
    [InlineData("   ")]
    public void EmptyPrompt(params string[] prompt)
    {
        var outDir = Path.Combine(_dir, "out");
        AssertUserError(Generate(prompt.Concat(new[] { "--out", outDir }).ToArray()), "prompt: empty", "prior list");
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void UnknownPromptListsTheFamilies()
    {
        var outDir = Path.Combine(_dir, "out");
        AssertUserError(Generate("a purple giraffe", "--out", outDir), "a purple giraffe", "names no known family", "mushroom (",
            "snowman");
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("--strategy", "fastest", "tp-sds, uniform, linear, hifa, two-stage", "stages.0.timesteps.strategy (--strategy): fastest")]
    [InlineData("--shading", "1,2", "albedo,diffuse,textureless")]
    [InlineData("--shading", "a,b,c", "albedo,diffuse,textureless")]
    [InlineData("--shading", "0,0,0", "positive")]
    [InlineData("--resolution", "4", "between 8 and 1024", "height (--resolution): is 4;")]
    [InlineData("--weighting", "cubic", "1-ab", "guidance.weighting (--weighting): cubic")]
    [InlineData("--device", "tpu", "cpu, cuda", "device (--device): tpu")]
    [InlineData("--iterations", "0", "positive", "stages.0.iterations (--iterations): is 0;")]
    [InlineData("--pipeline", "bogus", "dreamfusion, magic3d, prolificdreamer, fantasia3d, refine-mesh",
        "--pipeline: bogus: unknown pipeline")]
    [InlineData("--mesh", "/nonexistent/shape.glb", "no such file", "mesh file /nonexistent/shape.glb")]
    public void BadOptionNamesItselfAndWritesNothing(string option, string value, string allowed, string? named = null)
    {
        // a setting's error names its config key, then the option that set it
        var outDir = Path.Combine(_dir, "out");
        AssertUserError(Generate("a red mushroom", "--out", outDir, option, value), named ?? $"{option} {value}", allowed);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void MeshWithAPipelineIsRefused()
    {
        var outDir = Path.Combine(_dir, "out");
        AssertUserError(Generate("a red mushroom", "--out", outDir, "--mesh", "shape.glb", "--pipeline", "magic3d"), "--mesh",
            "drop --pipeline magic3d");
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void ExistingOutFolderNeedsOverwriteAndIsLeftAlone()
    {
        var outDir = Path.Combine(_dir, "out");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "notes.txt"), "mine");
        var before = Snapshot(outDir);
        AssertUserError(Generate("a red mushroom", "--out", outDir, "--iterations", "2"), outDir, "not empty", "overwriting", "resume");
        AssertUnchanged(before, outDir);
    }

    [Fact]
    public void ResumeOfAFolderWithoutConfig()
    {
        var empty = Directory.CreateDirectory(Path.Combine(_dir, "not-a-run")).FullName;
        AssertUserError(Generate("--resume", empty), "run folder", "no config.json");
        Assert.Empty(Directory.EnumerateFileSystemEntries(empty));
        var missing = Path.Combine(_dir, "missing");
        AssertUserError(Generate("--resume", missing), "run folder", "no config.json");
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void ResumeWithATruncatedCheckpoint()
    {
        var root = MakeRunFolder();
        var model = Path.Combine(root, "checkpoints", "0-nerf", "representation.safetensors");
        var bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(model, bytes[..(bytes.Length / 2)]);
        var before = Snapshot(root);
        AssertUserError(Generate("--resume", root), "representation.safetensors", "truncated or corrupt");
        AssertUnchanged(before, root);
    }

    [Fact]
    public void ResumeWithACorruptStateOrConfig()
    {
        var root = MakeRunFolder();
        var state = Path.Combine(root, "checkpoints", "0-nerf", "state.json");
        File.WriteAllText(state, "{\"Step\": 2, \"Prom");
        var before = Snapshot(root);
        AssertUserError(Generate("--resume", root), "state.json", "corrupt");
        AssertUnchanged(before, root);

        File.WriteAllText(Path.Combine(root, "config.json"), "{ \"prompt\": ");
        before = Snapshot(root);
        AssertUserError(Generate("--resume", root), "config.json", "invalid configuration");
        AssertUnchanged(before, root);
    }

    [Fact]
    public void ResumeWithAConfigThatDoesNotMatchTheCheckpoint()
    {
        var root = MakeRunFolder();
        var configPath = Path.Combine(root, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        Assert.Equal(4, config["stages"]![0]!["representation"]!["field"]!["hash_levels"]!.GetValue<int>());
        config["stages"]![0]!["representation"]!["field"]!["hash_levels"] = 3;
        File.WriteAllText(configPath, config.ToJsonString());
        var before = Snapshot(root);
        var line = AssertUserError(Generate("--resume", root), "representation.safetensors", "'field.", "shape [");
        Assert.Matches(@"\[\d+(,\d+)*\].*\[\d+(,\d+)*\]", line);
        AssertUnchanged(before, root);
    }

    [Theory]
    [InlineData("stages")]
    [InlineData("guidance")]
    [InlineData("pipeline")]
    [InlineData("cameras")]
    [InlineData("prompt")]
    public void ResumeWithANullSectionInConfig(string key)
    {
        var root = MakeRunFolder();
        var configPath = Path.Combine(root, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config[key] = null;
        File.WriteAllText(configPath, config.ToJsonString());
        var before = Snapshot(root);
        AssertUserError(Generate("--resume", root), "config.json", $"'{key}'");
        AssertUnchanged(before, root);
    }

    [Fact]
    public void ResumeRefusesSettingsItWouldIgnore()
    {
        var root = MakeRunFolder();
        var before = Snapshot(root);
        AssertUserError(Generate("--resume", root, "--iterations", "10", "--lr", "0.5", "--seed", "2"), "config.json decides",
            "--seed, --lr");
        AssertUserError(Generate("--resume", root, "--iterations", "3"), "stages.0.iterations (--iterations): is 3", "only be extended",
            "has 4");
        AssertUserError(Generate("a red mushroom", "--resume", root), "config.json decides", "PROMPT");
        AssertUnchanged(before, root);
    }

    [Fact]
    public void ResumeOfARunFolderWithoutCheckpoint()
    {
        var root = MakeRunFolder();
        Directory.Delete(Path.Combine(root, "checkpoints"), true);
        var before = Snapshot(root);
        AssertUserError(Generate("--resume", root), "run folder", "no checkpoint");
        AssertUnchanged(before, root);
    }

    [Fact]
    public void NewRunWithOverwriteReplacesTheFolderAndRecordsItsOptions()
    {
        var outDir = Path.Combine(_dir, "out");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "old.txt"), "from an earlier run");
        var (code, err) = Generate("a red mushroom", "--out", outDir, "--overwrite", "--iterations", "2", "--resolution", "8",
            "--seed", "5",
            "--strategy", "linear", "--shading", "0.2,0.6,0.2", "--eval-every", "0", "--preview-every", "0", "--checkpoint-every", "0",
            "--mesh-resolution", "16", "--turntable-frames", "1");
        Assert.True(code == 0, err);
        Assert.False(File.Exists(Path.Combine(outDir, "old.txt")));
        var run = new RunFolder(outDir);
        var cfg = TrainConfig.FromJson(File.ReadAllText(run.Config), run.Config);
        Assert.Equal(("a red mushroom", 2, 8, 8, 5L, "linear"),
            (cfg.Prompt, cfg.Stages[0].Iterations, cfg.Stages[0].Height, cfg.Stages[0].Width, cfg.Seed, cfg.Strategy));
        Assert.Equal((0.2, 0.6, 0.2), (cfg.Stages[0].ShadingAlbedo, cfg.Stages[0].ShadingDiffuse, cfg.Stages[0].ShadingTextureless));
        Assert.Equal(2, Checkpoint.LoadState(run.StageCheckpoint(0, "nerf")).Step);
        // the default pipeline (magic3d) writes one schedule per stage
        Assert.Equal(3, File.ReadAllLines(RunFolder.ForStage(run.ScheduleCsv, 0, "nerf", 2)).Length);
        Assert.Equal(3, File.ReadAllLines(RunFolder.ForStage(run.ScheduleCsv, 1, "refine", 2)).Length);
        Assert.True(File.Exists(Path.Combine(outDir, "model_albedo.png")));
        Assert.True(File.Exists(run.Metrics));
        Assert.Single(Directory.GetFiles(run.Turntable, "frame_*.png"));
    }
}
