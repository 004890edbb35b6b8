using System.CommandLine;
using DreamTime.Cli;
using DreamTime.Cli.Commands;
using DreamTime.Studies.Comparison;
using DreamTime.Training;
using Xunit;
using static DreamTime.Tests.Training.TrainingTestSupport;

namespace DreamTime.Tests.Studies.Comparison;

/// <summary>`compare` and <see cref="StrategyComparison"/>: runs through the one training loop, and tables that follow from the
/// runs.</summary>
public class StrategyComparisonTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-compare-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void RunsMatchStandaloneTrainingAndTheSummaryFollowsFromThem()
    {
        var baseConfig = Tiny(4) with { EvalEvery = 2 };
        var cmp = new StrategyComparison(baseConfig, convergencePsnr: 0, SilentRunObserver.Instance);
        cmp.RunAll(["a red mushroom"], ["tp-sds", "uniform"], seeds: 2);
        Assert.Equal(4, cmp.Runs.Count);
        Assert.Empty(cmp.Diverged);
        Assert.All(cmp.Runs, r => Assert.Equal(new[] { 2, 4 }, r.Curve.Select(c => c.Step)));

        // the comparison's run is the run generate's loop gives for the same configuration
        var one = cmp.Runs.Single(r => r.Strategy == "uniform" && r.Seed == 1);
        var cfg = baseConfig.WithStage(s => s with { Timesteps = s.Timesteps with { Strategy = "uniform" } }) with { Seed = 1 };
        using (var trainer = NewTrainer(cfg, Path.Combine(_dir, "standalone"), evaluator: true))
        {
            new TrainingSession(trainer, null, SilentRunObserver.Instance).Run(CancellationToken.None);
            var last = trainer.History[^1];
            Assert.Equal((last.Evaluation!.Metric("psnr"), last.Evaluation.Metric("mask_iou"), last.Evaluation.Reference),
                ((double?)one.FinalPsnr, (double?)one.FinalIou, one.Nearest));
        }

        // the summary is the mean, sample standard deviation and distinct count of the runs
        foreach (var s in cmp.Report.Summaries())
        {
            var runs = cmp.Runs.Where(r => r.Prompt == s.Prompt && r.Strategy == s.Strategy).ToList();
            double mean = runs.Average(r => r.FinalPsnr);
            double sd = Math.Sqrt(runs.Sum(r => (r.FinalPsnr - mean) * (r.FinalPsnr - mean)) / (runs.Count - 1));
            Assert.Equal((2, mean, sd, runs.Select(r => r.NearestIndex).Distinct().Count()),
                (s.Runs, s.MeanPsnr, s.SdPsnr, s.DistinctMembers));
            // threshold 0 dB: every run converges at its first evaluation
            Assert.Equal((2.0, 2), (s.Convergence[0].MeanFirst, s.Convergence[0].Reached));
        }
        var table = cmp.Report.Table().Trim().Split('\n');
        Assert.Equal(2 + 2, table.Length);
        Assert.Equal(1 + 4, cmp.Report.Csv().Trim().Split('\n').Length);

        cmp.Report.WriteOutputs(Path.Combine(_dir, "out"), "heading");
        foreach (var f in new[] { "results.csv", "summary.md", "curves.png" }) Assert.True(File.Exists(Path.Combine(_dir, "out", f)), f);
        Assert.StartsWith("heading", File.ReadAllText(Path.Combine(_dir, "out", "summary.md")));
    }

    [Fact]
    public void AThresholdNoRunReachesIsReportedAsNever()
    {
        var cmp = new StrategyComparison(Tiny(2) with { EvalEvery = 2 }, convergencePsnr: 99, SilentRunObserver.Instance);
        cmp.RunAll(["a snowman"], ["linear"], seeds: 1);
        var s = Assert.Single(cmp.Report.Summaries());
        Assert.Equal((null, 0), (s.Convergence[0].MeanFirst, s.Convergence[0].Reached));
        Assert.Contains("| - (0/1) |", cmp.Report.Table());
    }

    [Fact]
    public void AStudyFolderKeepsFinishedRunsAndDiversityIsThePsnrBetweenSeeds()
    {
        var study = Path.Combine(_dir, "study");
        var baseConfig = Tiny(2) with { EvalEvery = 2 };
        var first = new StrategyComparison(baseConfig, [20.0, 25.0], SilentRunObserver.Instance, study);
        first.RunAll(["a snowman"], ["uniform"], seeds: 1);
        var trained = Assert.Single(first.Runs);
        var runs = Path.Combine(study, "runs");
        Assert.True(File.Exists(Path.Combine(runs, "a-snowman-uniform-seed0.json")));
        Assert.True(File.Exists(Path.Combine(runs, "a-snowman-uniform-seed0.png")));
        Assert.StartsWith("snowman", trained.FamilyNearest);
        // "a snowman" names every snowman, so the family's nearest member is always one the prompt names
        Assert.True(trained.HasAttributes);

        // Seed 1 is planted as a finished run: a flat grey result at 0.4 against seed 0 replaced by flat 0.2.
        // A study that finds it loads it instead of training, and the PSNR between the two is 10 log10(1 / 0.2^2).
        var planted = trained with { Seed = 1, Seconds = 12345 };
        var json = new System.Text.Json.JsonSerializerOptions { PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower };
        File.WriteAllText(Path.Combine(runs, "a-snowman-uniform-seed1.json"), System.Text.Json.JsonSerializer.Serialize(planted, json));
        var strip = DreamTime.Imaging.ImageIO.LoadImage(Path.Combine(runs, "a-snowman-uniform-seed0.png"));
        DreamTime.Imaging.ImageIO.SavePng(Path.Combine(runs, "a-snowman-uniform-seed0.png"),
            DreamTime.Imaging.RgbImage.Filled(strip.Height, strip.Width, 0.2f, 0.2f, 0.2f));
        DreamTime.Imaging.ImageIO.SavePng(Path.Combine(runs, "a-snowman-uniform-seed1.png"),
            DreamTime.Imaging.RgbImage.Filled(strip.Height, strip.Width, 0.4f, 0.4f, 0.4f));

        var second = new StrategyComparison(baseConfig, [20.0, 25.0], SilentRunObserver.Instance, study);
        second.RunAll(["a snowman"], ["uniform"], seeds: 2);
        Assert.Equal(2, second.Runs.Count);
        Assert.Equal(trained.Curve, second.Runs[0].Curve);
        Assert.Equal(12345, second.Runs[1].Seconds);
        var summary = Assert.Single(second.Report.Summaries());
        Assert.Equal(10 * Math.Log10(1 / 0.04), summary.PairwisePsnr!.Value, 6);
        Assert.Equal(2, summary.Convergence.Count);

        // other settings in the same folder are refused, and nothing there changes
        var other = new StrategyComparison(baseConfig with { EvalEvery = 1 }, [20.0, 25.0], SilentRunObserver.Instance, study);
        var e = Assert.Throws<DreamTime.Runtime.UserError>(() => other.RunAll(["a snowman"], ["uniform"], seeds: 2));
        Assert.Contains("other settings", e.Message);
        Assert.Equal(4, Directory.GetFiles(runs).Length);
    }

    [Fact]
    public void OppositeSideGainIsThePsnrAgainstTheOtherSideMinusThatAgainstThisSide()
    {
        float[] Flat(float v) => Enumerable.Repeat(v, 12).ToArray();
        // member sides 0.6 and 0.7; a result at 0.5 and 0.8 is 0.1 from its own side and 0.2 from the other:
        // 10 log10(0.01 / 0.04) per view; the same result with its sides swapped scores the opposite
        var member = new[] { Flat(0.6f), Flat(0.7f) };
        Assert.Equal(10 * Math.Log10(0.25), ViewConsistency.OppositeSideGain([Flat(0.5f), Flat(0.8f)], member), 5);
        Assert.Equal(10 * Math.Log10(4), ViewConsistency.OppositeSideGain([Flat(0.8f), Flat(0.5f)], member), 5);
        Assert.Throws<ArgumentException>(() => ViewConsistency.OppositeSideGain([Flat(0.5f)], [Flat(0.6f)]));
    }

    [Fact]
    public void AKeptRunShowingTheMembersOtherSideScoresTheOppositeOfOneShowingItsOwn()
    {
        var study = Path.Combine(_dir, "views-study");
        var baseConfig = Tiny(2) with { EvalEvery = 2 };
        var cmp = new StrategyComparison(baseConfig, [20.0], SilentRunObserver.Instance, study);
        cmp.RunAll(["a snowman"], ["uniform"], seeds: 1);
        var run = Assert.Single(cmp.Runs);
        var png = Path.Combine(study, "runs", "a-snowman-uniform-seed0.png");
        var cameras = DreamTime.Rendering.CameraSampler.EvaluationViews(baseConfig.Cameras);
        var member = DreamTime.Scenes.PriorLibrary.Default.Members.Single(m => m.Name == run.FamilyNearest);
        var renders = new DreamTime.Evaluation.PriorEvaluation([member], cameras, baseConfig.EvalResolution,
            baseConfig.EvalResolution).MemberImages;
        var images = renders.Select(r =>
            new DreamTime.Imaging.RgbImage(baseConfig.EvalResolution, baseConfig.EvalResolution, r[0].Rgb)).ToList();
        DreamTime.Imaging.ImageIO.SavePng(png, DreamTime.Imaging.ImageIO.Grid(images, images.Count, gap: 0));
        double own = cmp.OppositeSideGain(run)!.Value;
        // the strip holds the member itself: each view is far nearer its own side (8-bit rounding only)
        Assert.True(own < -20, $"own views: {own:F2} dB");
        var half = images.Count / 2;
        DreamTime.Imaging.ImageIO.SavePng(png,
            DreamTime.Imaging.ImageIO.Grid(images.Skip(half).Concat(images.Take(half)).ToList(), images.Count, gap: 0));
        // summed over the ring, swapping each view with the opposite one exchanges the two terms of every view
        Assert.Equal(-own, cmp.OppositeSideGain(run)!.Value, 6);
        Assert.Contains("opposite side - own side", cmp.Report.Table());
    }

    [Fact]
    public void AStudyOfANormalStageScoresNormalImages()
    {
        var study = Path.Combine(_dir, "normal-study");
        var baseConfig = Tiny(2).WithStage(s => s with { GuidanceInput = "normal" }) with { EvalEvery = 2 };
        var cmp = new StrategyComparison(baseConfig, [20.0], SilentRunObserver.Instance, study);
        cmp.RunAll(["a snowman"], ["uniform"], seeds: 1);
        var run = Assert.Single(cmp.Runs);
        Assert.Empty(cmp.Diverged);
        // the curve is the normal PSNR (the evaluator's headline metric); a colour PSNR is not there to read
        var point = Assert.Single(run.Curve);
        Assert.InRange(point.Psnr, 1, DreamTime.Evaluation.ImageMetrics.PerfectMatchPsnr);
        // the kept views are normal images, and so are the member views they are held against
        var cameras = DreamTime.Rendering.CameraSampler.EvaluationViews(baseConfig.Cameras);
        var member = DreamTime.Scenes.PriorLibrary.Default.Members.Single(m => m.Name == run.FamilyNearest);
        var renders = new DreamTime.Evaluation.PriorEvaluation([member], cameras, baseConfig.EvalResolution,
            baseConfig.EvalResolution, modality: DreamTime.Rendering.ImageModality.Normal).MemberImages;
        var images = renders.Select(r =>
            new DreamTime.Imaging.RgbImage(baseConfig.EvalResolution, baseConfig.EvalResolution, r[0].Rgb)).ToList();
        DreamTime.Imaging.ImageIO.SavePng(Path.Combine(study, "runs", "a-snowman-uniform-seed0.png"),
            DreamTime.Imaging.ImageIO.Grid(images, images.Count, gap: 0));
        double own = cmp.OppositeSideGain(run)!.Value;
        Assert.True(own < -20, $"own normal views: {own:F2} dB");
    }

    [Theory]
    [InlineData("--seeds", "0", "seeds (--seeds): is 0;")]
    [InlineData("--first-seed", "-1", "first_seed (--first-seed): is -1;")]
    [InlineData("--strategies", "fastest", "stages.0.timesteps.strategy (--strategies): fastest: unknown strategy; allowed: tp-sds")]
    [InlineData("--prompts", "a purple giraffe", "a purple giraffe")]
    [InlineData("--eval-every", "0", "eval_every (--eval-every): is 0;")]
    [InlineData("--iterations", "-1", "stages.0.iterations (--iterations): is -1;")]
    [InlineData("--temperature-pixels", "zero", "--temperature-pixels zero")]
    [InlineData("--guidance-scale", "-1", "guidance.guidance_scale (--guidance-scale): is -1;")]
    [InlineData("--time-prior", "wq", "stages.0.timesteps.time_prior (--time-prior): wq: unknown; allowed: wd*wp, wp")]
    public void BadInputIsAOneLineErrorBeforeAnyTraining(string option, string value, string expected)
    {
        var outDir = Path.Combine(_dir, "out");
        var root = new RootCommand { CompareCommand.Create() };
        var err = new StringWriter();
        int code = CliHost.Run(root, ["compare", option, value, "--out", outDir], err);
        Assert.Equal(2, code);
        var line = Assert.Single(err.ToString().Trim().Split('\n'));
        Assert.Contains(expected, line);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void TheTimePriorOptionReachesTheStudysTpSdsRuns()
    {
        var outDir = Path.Combine(_dir, "wp");
        var root = new RootCommand { CompareCommand.Create() };
        var err = new StringWriter();
        int code = CliHost.Run(root, ["compare", "--time-prior", "wp", "--prompts", "a snowman", "--strategies", "tp-sds", "--seeds", "1",
            "--iterations", "2", "--eval-every", "2", "--out", outDir], err);
        Assert.True(code == 0, err.ToString());
        var study = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "study.json")))!;
        Assert.Equal("wp", (string?)study["config"]!["stages"]![0]!["timesteps"]!["time_prior"]);
        Assert.Contains("TP-SDS time prior wp", File.ReadLines(Path.Combine(outDir, "summary.md")).First());
    }

    private (int Code, string Err) Compare(params string[] args)
    {
        var root = new RootCommand { CompareCommand.Create() };
        var err = new StringWriter();
        int code = CliHost.Run(root, ["compare", .. args], err);
        return (code, err.ToString());
    }

    private static System.Text.Json.Nodes.JsonNode StudyConfig(string outDir) =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "study.json")))!["config"]!;

    /// <summary>A study small enough for a test: one prompt, one strategy, one seed, a tiny NeRF at 16x16.</summary>
    private static readonly string[] TinyStudy =
    [
        "--prompts", "a snowman", "--strategies", "uniform", "--seeds", "1", "--resolution", "16",
        "--set", "stages.0.representation.field.hash_levels=4", "--set", "stages.0.representation.field.log2_table_size=12",
        "--set", "stages.0.representation.field.hidden_width=16", "--set", "stages.0.representation.field.samples_per_ray=24",
        "--set", "eval_resolution=16", "--set", "stages.0.representation.mesh_resolution=24",
    ];

    [Fact]
    public void SetChangesAKeyOfTheStudysConfigAfterTheShortcuts()
    {
        var outDir = Path.Combine(_dir, "set");
        // --iterations 5 is the shortcut; --set stages.0.iterations=2 comes after it and wins
        var (code, err) = Compare(
            [.. TinyStudy, "--iterations", "5", "--set", "stages.0.iterations=2", "--set", "eval_every=1", "--out", outDir]);
        Assert.True(code == 0, err);
        var config = StudyConfig(outDir);
        Assert.Equal(2, (int)config["stages"]![0]!["iterations"]!);
        Assert.Equal(1, (int)config["eval_every"]!);
        Assert.Equal(16, (int)config["stages"]![0]!["height"]!);
        var run = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "runs", "a-snowman-uniform-seed0.json")))!;
        Assert.Equal(new[] { 1, 2 }, run["curve"]!.AsArray().Select(c => (int)c!["step"]!));
        Assert.StartsWith("2 iterations, 16x16", File.ReadLines(Path.Combine(outDir, "summary.md")).First());
    }

    [Fact]
    public void ConfigStartsFromASavedConfigurationAndOptionsGivenOverrideIt()
    {
        var saved = Path.Combine(_dir, "saved.json");
        var cfg = Tiny(3) with { EvalEvery = 3, Guidance = new DreamTime.Guidance.BuiltinPriorSettings { TemperaturePixels = 32 } };
        File.WriteAllText(saved, cfg.ToJsonObject().ToJsonString());
        var outDir = Path.Combine(_dir, "from-config");
        var (code, err) = Compare("--config", saved, "--prompts", "a snowman", "--strategies", "uniform", "--seeds", "1",
            "--eval-every", "1", "--out", outDir);
        Assert.True(code == 0, err);
        var config = StudyConfig(outDir);
        // the file's keys, not compare's defaults (600 iterations, 32x32), and --eval-every given beside it
        Assert.Equal(3, (int)config["stages"]![0]!["iterations"]!);
        Assert.Equal(16, (int)config["stages"]![0]!["height"]!);
        Assert.Equal(32.0, (double)config["guidance"]!["temperature_pixels"]!);
        Assert.Equal(4, (int)config["stages"]![0]!["representation"]!["field"]!["hash_levels"]!);
        Assert.Equal(1, (int)config["eval_every"]!);
        Assert.Contains("temperature pixels 32", File.ReadLines(Path.Combine(outDir, "summary.md")).First());
    }

    [Theory]
    [InlineData("--set", "stages.0.iteratons=2", "has no key 'iteratons'")]
    [InlineData("--set", "eval_every", "expected KEY=VALUE")]
    [InlineData("--config", "no-such-file.json", "file not found")]
    public void ABadSetOrConfigIsAOneLineErrorBeforeAnyTraining(string option, string value, string expected)
    {
        var outDir = Path.Combine(_dir, "bad");
        var (code, err) = Compare(option, value, "--out", outDir);
        Assert.Equal(2, code);
        var line = Assert.Single(err.Trim().Split('\n'));
        Assert.Contains(expected, line);
        Assert.False(Directory.Exists(outDir));
    }
}
