using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DreamTime.Imaging;
using DreamTime.Rendering;
using DreamTime.Runtime;
using TorchSharp;
using DreamTime.Training;
using DreamTime.Configuration;

namespace DreamTime.Studies.Comparison;

/// <summary>
/// Measures the paper's claims against ground truth: the same prompts and seeds trained with each timestep
/// strategy through the one training loop (<see cref="TrainingSession"/>); fidelity (PSNR / mask IoU to the
/// nearest member the prompt names), convergence (first iteration reaching each PSNR threshold), attributes
/// (the nearest member of the whole family is one the prompt names) and diversity (distinct members, and mean
/// pairwise PSNR between seeds). Needs a guidance scored against the built-in families (builtin or learned).
/// With a study folder every finished run is kept there (runs/NAME.json and the result's evaluation views,
/// runs/NAME.png), so an interrupted study continues where it stopped.
/// </summary>
public sealed class StrategyComparison(TrainConfig baseConfig, IReadOnlyList<double> convergencePsnr, IRunObserver observer, string? studyFolder = null)
{
    public StrategyComparison(TrainConfig baseConfig, double convergencePsnr, IRunObserver observer, string? studyFolder = null)
        : this(baseConfig, [convergencePsnr], observer, studyFolder) { }

    public List<ComparisonRun> Runs { get; } = new();
    public IReadOnlyList<double> Thresholds { get; } = convergencePsnr.Count > 0 ? convergencePsnr : throw new ArgumentException("at least one PSNR threshold");

    /// <summary>Runs that stopped on NaN/Inf, as "prompt | strategy | seed: reason".</summary>
    public List<string> Diverged { get; } = new();

    private readonly Dictionary<string, Evaluation.PriorEvaluation> _familyEvaluations = new();

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>An image study (image-to-3D): its subjects are input pictures (paths), not prompts.</summary>
    public bool ImageStudy => baseConfig.Reference != null;

    /// <summary>How tables, plots and run names call a subject: the prompt, or the picture's file name without extension.</summary>
    public string Label(string subject) => ImageStudy ? Path.GetFileNameWithoutExtension(subject) : subject;

    /// <summary>Checks every setting and prompt (or picture) and the seeds before any training, so bad input fails at once.</summary>
    public void Validate(IEnumerable<string> prompts, IEnumerable<string> strategies, int seeds = 1, int firstSeed = 0)
    {
        if (seeds < 1) throw new UserError("seeds", $"is {seeds}; must be at least 1");
        if (firstSeed < 0) throw new UserError("first_seed", $"is {firstSeed}; must be 0 or more");
        if (baseConfig.EvalEvery < 1) throw new UserError("eval_every", $"is {baseConfig.EvalEvery}; a comparison needs at least 1");
        foreach (var s in strategies) UserError.InSection("timesteps", () => (baseConfig.Timesteps with { Strategy = s }).Validate(1000));
        foreach (var p in prompts) Configure(p, strategies.First(), 0).Validate();
        if (ImageStudy && baseConfig.Guidance is Guidance.BuiltinImagePriorSettings)
            foreach (var p in prompts)
            {
                var reference = Configure(p, strategies.First(), 0).LoadReference()!;
                reference.Image.Dispose(); reference.Mask.Dispose();
            }
        else if (!ImageStudy && baseConfig.Guidance is Guidance.BuiltinPriorSettings or Guidance.LearnedPriorSettings)
            foreach (var p in prompts) Scenes.PriorLibrary.Default.Select(p);
        else throw new UserError($"compare: needs ground truth; the {baseConfig.GuidanceName} guidance has none here (use the built-in or the learned prior for prompts, the built-in image prior for pictures)");
    }

    private TrainConfig Configure(string subject, string strategy, long seed) =>
        (ImageStudy ? baseConfig with { Prompt = "", Reference = baseConfig.Reference! with { Image = subject } } : baseConfig with { Prompt = subject })
        with { Timesteps = baseConfig.Timesteps with { Strategy = strategy, Seed = seed } };

    /// <summary>
    /// Opens the study folder: a new one records the base configuration and thresholds (study.json); an existing
    /// one must hold the same, and its finished runs are loaded instead of trained again.
    /// </summary>
    public void OpenStudy()
    {
        if (studyFolder == null) return;
        AtomicFile.EnsureWritableFolder(studyFolder, "study folder");
        var path = Path.Combine(studyFolder, "study.json");
        var study = new JsonObject { ["config"] = baseConfig.ToJsonObject(), ["psnr_thresholds"] = new JsonArray(Thresholds.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()) };
        // a learned prior is named by its folder, whose weights may be retrained in place: the study pins their hash
        if (baseConfig.Guidance is Guidance.LearnedPriorSettings learned) study["model_sha256"] = WeightsHash(learned.ModelFolder);
        var text = study.ToJsonString(Json);
        if (File.Exists(path))
        {
            var existing = File.ReadAllText(path);
            if (existing != text)
                throw new UserError($"study folder {studyFolder}: holds a study with other settings or another learned-prior model ({path}); continue it with the same settings, or choose another folder or allow overwriting it");
        }
        else AtomicFile.WriteAllText(path, text);
        Directory.CreateDirectory(Path.Combine(studyFolder, "runs"));
    }

    /// <summary>SHA-256 over the model folder's safetensors files (sorted by path).</summary>
    private static string WeightsHash(string folder)
    {
        using var sha = System.Security.Cryptography.SHA256.Create();
        foreach (var f in Directory.GetFiles(folder, "*.safetensors", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(f);
            sha.TransformBlock(bytes, 0, bytes.Length, null, 0);
        }
        sha.TransformFinalBlock([], 0, 0);
        return Convert.ToHexString(sha.Hash!).ToLowerInvariant();
    }

    private string RunName(string subject, long seed, string strategy) =>
        $"{new string(Label(subject).Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray()).Trim('-')}-{strategy}-seed{seed}";

    private string? RunFile(string prompt, string strategy, long seed, string extension) =>
        studyFolder == null ? null : Path.Combine(studyFolder, "runs", RunName(prompt, seed, strategy) + extension);

    /// <summary>
    /// Seeds firstSeed .. firstSeed + seeds - 1, each over every prompt x strategy, seed by seed (so a study stopped
    /// early holds whole rounds); runs the study folder already holds are loaded, not trained. Processes that share
    /// a study folder can split the seeds between them.
    /// </summary>
    public void RunAll(IReadOnlyList<string> prompts, IReadOnlyList<string> strategies, int seeds, CancellationToken cancel = default, int firstSeed = 0)
    {
        Validate(prompts, strategies, seeds, firstSeed);
        OpenStudy();
        int total = prompts.Count * strategies.Count * seeds, done = 0;
        for (int seed = firstSeed; seed < firstSeed + seeds; seed++)
        foreach (var prompt in prompts)
        foreach (var s in strategies)
        {
            if (cancel.IsCancellationRequested) return;
            ++done;
            if (RunFile(prompt, s, seed, ".json") is string file && File.Exists(file))
            {
                var kept = JsonSerializer.Deserialize<ComparisonRun>(File.ReadAllText(file), Json)
                           ?? throw new UserError($"{file}: empty; delete it to train that run again");
                Runs.Add(kept);
                observer.Log($"[{done}/{total}] {Label(prompt)} | {s} | seed {seed}: kept from {file}");
                continue;
            }
            observer.Log($"[{done}/{total}] {Label(prompt)} | {s} | seed {seed}");
            RunOne(prompt, s, seed, cancel);
        }
    }

    /// <summary>Trains one run; a run that diverges is recorded in <see cref="Diverged"/> and returns null.</summary>
    public ComparisonRun? RunOne(string prompt, string strategy, long seed, CancellationToken cancel = default)
    {
        var cfg = Configure(prompt, strategy, seed);
        cfg.Validate();
        using var trainer = Trainer.Create(cfg, TorchSharp.torch.CPU);
        if (trainer.Evaluator == null) throw new UserError($"compare: the {cfg.GuidanceName} guidance has no ground truth to score against");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            if (new TrainingSession(trainer, null, observer).Run(cancel) == SessionOutcome.Interrupted) return null;
        }
        catch (TrainingDivergedException e)
        {
            Diverged.Add($"{Label(prompt)} | {strategy} | seed {seed}: {e.Message}");
            observer.Log($"  {Label(prompt)} | {strategy} | seed {seed}: diverged ({e.Message})");
            return null;
        }
        // The curve is the evaluations at multiples of eval_every and the last step, as the summary table reports them.
        var evals = trainer.History.Where(h => h.Psnr != null && (h.Step % cfg.EvalEvery == 0 || h.Step == cfg.Iterations)).ToList();
        var last = evals[^1];
        var seconds = clock.Elapsed.TotalSeconds;
        var views = CameraSampler.EvaluationViews(cfg.Cameras).Select(v => trainer.RenderView(v, cfg.EvalResolution, cfg.EvalResolution)).ToList();
        var pictured = (trainer.Guidance as Guidance.BuiltinPrior.BuiltinPriorGuidance) is { ImageConditioned: true } g ? g.Selection.Members[0] : null;
        var (familyNearest, hasAttributes) = FamilyNearest(prompt, cfg, views, pictured);
        var run = new ComparisonRun(prompt, strategy, seed, evals.Select(h => new CurvePoint(h.Step, h.Psnr!.Value, h.MaskIou!.Value)).ToList(),
            last.Nearest!, trainer.Evaluate()!.NearestIndex, seconds, familyNearest, hasAttributes);
        observer.Log($"  {Label(prompt)} | {strategy} | seed {seed}: PSNR {run.FinalPsnr:F2} dB, IoU {run.FinalIou:F3}, nearest {run.Nearest}, " +
                     $"PSNR>={Thresholds[0]} at {run.FirstReaching(Thresholds[0])?.ToString() ?? "never"} ({run.Seconds:F0} s)");
        if (RunFile(prompt, strategy, seed, ".png") is string png)
        {
            // the views first: a run counts as finished once its .json exists
            var strip = ImageIO.Grid(views.Select(v => RgbImage.FromTensor(v.Rgb)).ToList(), views.Count, gap: 0);
            var tmp = png + ".tmp.png";
            ImageIO.SavePng(tmp, strip);
            File.Move(tmp, png, overwrite: true);
            AtomicFile.WriteAllText(RunFile(prompt, strategy, seed, ".json")!, JsonSerializer.Serialize(run, Json));
        }
        foreach (var (rgb, opacity) in views) { rgb.Dispose(); opacity.Dispose(); }
        Runs.Add(run);
        return run;
    }

    /// <summary>
    /// The nearest member of the prompt's whole family (all families when it names none), and whether the prompt
    /// names it; for a picture, the nearest member of the pictured member's family, and whether it is that member.
    /// </summary>
    private (string Name, bool NamedByPrompt) FamilyNearest(string prompt, TrainConfig cfg, IReadOnlyList<(TorchSharp.torch.Tensor Rgb, TorchSharp.torch.Tensor Opacity)> views,
                                                            Scenes.FamilyMember? pictured)
    {
        var library = Scenes.PriorLibrary.Default;
        var family = pictured != null ? library.FindFamily(pictured.Family) : library.Select(prompt).Family;
        var key = family?.Name ?? "";
        if (!_familyEvaluations.TryGetValue(key, out var evaluation))
            _familyEvaluations[key] = evaluation = new Evaluation.PriorEvaluation(
                family?.Members ?? library.Members, CameraSampler.EvaluationViews(cfg.Cameras), cfg.EvalResolution, cfg.EvalResolution);
        var result = evaluation.Evaluate(camera => views[evaluation.Views.ToList().IndexOf(camera)]);
        var nearest = evaluation.Members[result.NearestIndex];
        bool named = pictured != null ? nearest.GlobalIndex == pictured.GlobalIndex : library.Select(prompt).Members.Any(m => m.GlobalIndex == nearest.GlobalIndex);
        return (nearest.Name, named);
    }

    /// <summary>Mean PSNR between the evaluation views of every pair of seeds' results (from the study folder); null without two.</summary>
    public double? PairwisePsnr(string prompt, string strategy)
    {
        var images = Runs.Where(r => r.Prompt == prompt && r.Strategy == strategy)
            .Select(r => RunFile(prompt, strategy, r.Seed, ".png")).Where(f => f != null && File.Exists(f)).Select(f => ImageIO.LoadImage(f!).Pixels).ToList();
        var psnrs = new List<double>();
        for (int a = 0; a < images.Count; a++)
        for (int b = a + 1; b < images.Count; b++)
        {
            psnrs.Add(10 * Math.Log10(1 / MeanSquaredError(images[a], images[b])));
        }
        return psnrs.Count > 0 ? psnrs.Average() : null;
    }

    private readonly Dictionary<string, float[][]> _memberViews = new();

    /// <summary>
    /// View consistency of a kept run (the multi-face problem), against its family-nearest member: see
    /// <see cref="OppositeSideGain(IReadOnlyList{float[]}, IReadOnlyList{float[]})"/>. Null without the run's views.
    /// </summary>
    public double? OppositeSideGain(ComparisonRun run)
    {
        if (RunFile(run.Prompt, run.Strategy, run.Seed, ".png") is not string file || !File.Exists(file)) return null;
        var strip = ImageIO.LoadImage(file);
        var cameras = CameraSampler.EvaluationViews(baseConfig.Cameras);
        int size = baseConfig.EvalResolution;
        if (strip.Height != size || strip.Width != size * cameras.Count)
            throw new UserError($"{file}: {strip.Width}x{strip.Height}, expected {cameras.Count} views of {size}x{size} side by side");
        if (!_memberViews.TryGetValue(run.FamilyNearest, out var member))
        {
            var m = Scenes.PriorLibrary.Default.Members.FirstOrDefault(x => x.Name == run.FamilyNearest)
                    ?? throw new UserError($"{file}: its run names member \"{run.FamilyNearest}\", which the built-in library does not have");
            var renders = new Evaluation.PriorEvaluation([m], cameras, size, size).MemberImages;
            _memberViews[run.FamilyNearest] = member = renders.Select(r => r[0].Rgb).ToArray();
        }
        var views = Enumerable.Range(0, cameras.Count).Select(v =>
        {
            var tile = new float[size * size * 3];
            for (int y = 0; y < size; y++) Array.Copy(strip.Pixels, (y * strip.Width + v * size) * 3, tile, y * size * 3, size * 3);
            return tile;
        }).ToList();
        return OppositeSideGain(views, member);
    }

    /// <summary>
    /// For each view of a ring (an even number of views, evenly spaced in azimuth), the PSNR of the result's view
    /// against the member seen from the opposite side minus that against the member seen from the same view, in
    /// dB, averaged over the views. Below 0: each side of the result looks like the member's own side. About 0:
    /// the member looks alike from both sides (a rotationally symmetric object), or the result resembles neither.
    /// Above 0: the result shows the member's other side where it should show this one (a front seen from the
    /// back: the multi-face, or Janus, problem).
    /// </summary>
    public static double OppositeSideGain(IReadOnlyList<float[]> views, IReadOnlyList<float[]> member)
    {
        if (views.Count != member.Count || views.Count % 2 != 0 || views.Count == 0)
            throw new ArgumentException($"{views.Count} result views and {member.Count} member views: need the same even number");
        int n = views.Count;
        // PSNR(opposite) - PSNR(same) = 10 log10(MSE(same) / MSE(opposite))
        return Enumerable.Range(0, n).Average(v => 10 * Math.Log10(MeanSquaredError(views[v], member[v]) / MeanSquaredError(views[v], member[(v + n / 2) % n])));
    }

    /// <summary>Mean squared difference of two images in [0, 1], floored at 1e-12 so identical images give a finite PSNR (120 dB).</summary>
    private static double MeanSquaredError(float[] a, float[] b)
    {
        double se = 0;
        for (int k = 0; k < a.Length; k++) { double d = a[k] - b[k]; se += d * d; }
        return Math.Max(se / a.Length, 1e-12);
    }

    /// <summary>results.csv, summary.md (the table) and curves.png in a folder.</summary>
    public void WriteOutputs(string dir, string heading)
    {
        AtomicFile.EnsureWritableFolder(dir, "study folder");
        AtomicFile.WriteAllText(Path.Combine(dir, "results.csv"), Csv());
        AtomicFile.WriteAllText(Path.Combine(dir, "summary.md"), heading + "\n\n" + Table());
        WritePlot(Path.Combine(dir, "curves.png"));
    }

    public IReadOnlyList<ComparisonSummary> Summaries() => Runs.GroupBy(r => (r.Prompt, r.Strategy)).Select(g =>
    {
        var ps = g.Select(r => r.FinalPsnr).ToList();
        double mean = ps.Average(), sd = ps.Count > 1 ? Math.Sqrt(ps.Sum(p => (p - mean) * (p - mean)) / (ps.Count - 1)) : 0;
        var convergence = Thresholds.Select(t =>
        {
            var reached = g.Select(r => r.FirstReaching(t)).Where(x => x != null).Select(x => (double)x!.Value).ToList();
            return (reached.Count > 0 ? (double?)reached.Average() : null, reached.Count);
        }).ToList();
        var sides = g.Select(OppositeSideGain).OfType<double>().ToList();
        return new ComparisonSummary(g.Key.Prompt, g.Key.Strategy, ps.Count, mean, sd, g.Average(r => r.FinalIou), convergence,
            g.Count(r => r.HasAttributes), g.Select(r => r.NearestIndex).Distinct().Count(), PairwisePsnr(g.Key.Prompt, g.Key.Strategy),
            sides.Count > 0 ? sides.Average() : null);
    }).ToList();

    private static string F(double x, string format) => x.ToString(format, CultureInfo.InvariantCulture);

    public string Table()
    {
        var sb = new StringBuilder();
        var first = string.Concat(Thresholds.Select(t => $" first iter PSNR>={F(t, "G")} (runs reaching) |"));
        var (subject, attributes) = ImageStudy ? ("image", "lands on the pictured member") : ("prompt", "has the prompt's attributes");
        sb.AppendLine($"| {subject} | strategy | runs | final PSNR (dB) | mask IoU |{first} {attributes} | distinct members | PSNR between seeds (dB) | opposite side - own side (dB) |");
        sb.AppendLine("|---|---|---|---|---|" + string.Concat(Thresholds.Select(_ => "---|")) + "---|---|---|---|");
        foreach (var s in Summaries())
        {
            var conv = string.Concat(s.Convergence.Select(c => $" {(c.MeanFirst is double f ? F(f, "F0") : "-")} ({c.Reached}/{s.Runs}) |"));
            sb.AppendLine($"| {Label(s.Prompt)} | {s.Strategy} | {s.Runs} | {F(s.MeanPsnr, "F2")} ± {F(s.SdPsnr, "F2")} | {F(s.MeanIou, "F3")} |{conv} {s.WithAttributes}/{s.Runs} | {s.DistinctMembers} | {(s.PairwisePsnr is double d ? F(d, "F2") : "-")} | {(s.OppositeSideGain is double o ? F(o, "+0.00;-0.00") : "-")} |");
        }
        return sb.ToString();
    }

    public string Csv()
    {
        var sb = new StringBuilder((ImageStudy ? "image" : "prompt") + ",strategy,seed,final_psnr,final_mask_iou,nearest_member," + string.Join(",", Thresholds.Select(t => $"first_iteration_psnr_{F(t, "G")}")) + ",family_nearest,has_attributes,opposite_side_gain,seconds\n");
        foreach (var r in Runs)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"\"{Label(r.Prompt)}\",{r.Strategy},{r.Seed},{r.FinalPsnr:F3},{r.FinalIou:F4},\"{r.Nearest}\",{string.Join(",", Thresholds.Select(t => r.FirstReaching(t)?.ToString(CultureInfo.InvariantCulture) ?? ""))},\"{r.FamilyNearest}\",{(r.HasAttributes ? 1 : 0)},{OppositeSideGain(r)?.ToString("F3", CultureInfo.InvariantCulture) ?? ""},{r.Seconds:F1}"));
        return sb.ToString();
    }

    /// <summary>Mean PSNR against iteration, one panel per prompt, one line per strategy.</summary>
    public void WritePlot(string path)
    {
        var prompts = Runs.Select(r => r.Prompt).Distinct().ToList();
        using var fig = new PanelFigure(520 * prompts.Count, 460, 1, prompts.Count) { Title = "Fidelity to the nearest member (mean over seeds)" };
        for (int i = 0; i < prompts.Count; i++)
        {
            var ax = fig.Panel(0, i);
            ax.Title(Label(prompts[i]));
            ax.XLabel("iteration");
            ax.YLabel("PSNR (dB)");
            foreach (var g in Runs.Where(r => r.Prompt == prompts[i]).GroupBy(r => r.Strategy))
            {
                var steps = g.First().Curve.Select(c => (double)c.Step).ToArray();
                var mean = steps.Select((_, k) => g.Average(r => r.Curve[k].Psnr)).ToArray();
                ax.AddLine(g.Key, steps, mean).MarkerSize = 7;
            }
        }
        fig.SavePng(path);
    }
}
