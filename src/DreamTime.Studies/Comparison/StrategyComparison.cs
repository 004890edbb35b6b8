using DreamTime.Configuration;
using DreamTime.Evaluation;
using DreamTime.Imaging;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Training;

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
public sealed class StrategyComparison(TrainConfig baseConfig, IReadOnlyList<double> convergencePsnr, IRunObserver observer,
    string? studyFolder = null)
{
    public StrategyComparison(TrainConfig baseConfig, double convergencePsnr, IRunObserver observer, string? studyFolder = null)
        : this(baseConfig, [convergencePsnr], observer, studyFolder) { }

    public List<ComparisonRun> Runs { get; } = new();
    public IReadOnlyList<double> Thresholds { get; } = convergencePsnr.Count > 0 ? convergencePsnr
        : throw new ArgumentException("at least one PSNR threshold");

    /// <summary>Runs that stopped on NaN/Inf, as "prompt | strategy | seed: reason".</summary>
    public List<string> Diverged { get; } = new();

    private readonly Dictionary<string, Evaluation.PriorEvaluation> _familyEvaluations = new();

    private readonly StudyFolder? _folder = studyFolder == null ? null : new StudyFolder(studyFolder);
    private ViewConsistency? _consistency;
    // made on first use: the stages it reads are validated by then
    private ViewConsistency Consistency =>
        _consistency ??= new(baseConfig.Cameras, baseConfig.EvalResolution, baseConfig.LastStage.GuidanceModality);

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
        foreach (var s in strategies)
            for (int i = 0; i < baseConfig.Stages.Count; i++)
            {
                var stage = baseConfig.Stages[i] with { Timesteps = baseConfig.Stages[i].Timesteps with { Strategy = s } };
                UserError.InSection($"stages.{i}", stage.Validate);
            }
        foreach (var p in prompts) Configure(p, strategies.First(), 0).Validate();
        if (ImageStudy && baseConfig.Guidance is Guidance.BuiltinImagePriorSettings)
            foreach (var p in prompts)
            {
                var reference = Configure(p, strategies.First(), 0).LoadReference()!;
                reference.Image.Dispose(); reference.Mask.Dispose();
            }
        else if (!ImageStudy && baseConfig.Guidance is Guidance.BuiltinPriorSettings or Guidance.LearnedPriorSettings
                 or Guidance.VsdSettings { Model: null })
            foreach (var p in prompts) Scenes.PriorLibrary.Default.Select(baseConfig.EvaluationPrompt ?? p);
        else throw new UserError(
            $"compare: needs ground truth; the {baseConfig.GuidanceName} guidance has none here (use the built-in or the learned prior " +
            "for prompts, or vsd with the shipped learned prior; the built-in image prior for pictures)");
    }

    private TrainConfig Configure(string subject, string strategy, long seed) =>
        (ImageStudy ? baseConfig with { Prompt = "", Reference = baseConfig.Reference! with { Image = subject } }
            : baseConfig with { Prompt = subject })
        with
        {
            Seed = seed,
            Stages = baseConfig.Stages.Select(s => s with { Timesteps = s.Timesteps with { Strategy = strategy } }).ToList(),
        };

    /// <summary>
    /// Seeds firstSeed .. firstSeed + seeds - 1, each over every prompt x strategy, seed by seed (so a study stopped
    /// early holds whole rounds); runs the study folder already holds are loaded, not trained. Processes that share
    /// a study folder can split the seeds between them.
    /// </summary>
    public void RunAll(IReadOnlyList<string> prompts, IReadOnlyList<string> strategies, int seeds, CancellationToken cancel = default,
        int firstSeed = 0)
    {
        Validate(prompts, strategies, seeds, firstSeed);
        _folder?.Open(baseConfig, Thresholds);
        int total = prompts.Count * strategies.Count * seeds, done = 0;
        for (int seed = firstSeed; seed < firstSeed + seeds; seed++)
            foreach (var prompt in prompts)
                foreach (var s in strategies)
                {
                    if (cancel.IsCancellationRequested) return;
                    ++done;
                    if (_folder?.LoadRun(Label(prompt), s, seed) is ComparisonRun kept)
                    {
                        Runs.Add(kept);
                        observer.Log(
                            $"[{done}/{total}] {Label(prompt)} | {s} | seed {seed}: kept from " +
                            $"{_folder.RunFile(Label(prompt), s, seed, ".json")}");
                        continue;
                    }
                    observer.Log($"[{done}/{total}] {Label(prompt)} | {s} | seed {seed}");
                    RunOne(prompt, s, seed, cancel);
                }
    }

    /// <summary>Trains one run, every stage of it, each built from the one before, and scores it; a run that diverges is
    /// recorded in <see cref="Diverged"/> and returns null.</summary>
    public ComparisonRun? RunOne(string prompt, string strategy, long seed, CancellationToken cancel = default)
    {
        var cfg = Configure(prompt, strategy, seed);
        cfg.Validate();
        var trainer = Trainer.Create(cfg, TorchSharp.torch.CPU);
        try
        {
            if (trainer.Evaluator == null)
                throw new UserError($"compare: the {cfg.GuidanceName} guidance has no ground truth to score against");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            // The curve is the evaluations at multiples of eval_every and each stage's last step, on one iteration axis.
            var evals = new List<CurvePoint>();
            int offset = 0;
            try
            {
                while (true)
                {
                    if (new TrainingSession(trainer, null, observer).Run(cancel) == SessionOutcome.Interrupted) return null;
                    int n = trainer.Stage.Iterations;
                    // the evaluator's headline PSNR: of colours, or of normal images for a stage that guides with normals
                    var psnr = trainer.Evaluator!.Milestones[0].Metric;
                    evals.AddRange(trainer.History.Where(h => h.Evaluation != null && (h.Step % cfg.EvalEvery == 0 || h.Step == n))
                        .Select(h => new CurvePoint(offset + h.Step, h.Evaluation!.Metric(psnr)!.Value,
                            h.Evaluation.Metric("mask_iou")!.Value)));
                    offset += n;
                    if (trainer.IsLastStage) break;
                    var next = trainer.NextStage(TorchSharp.torch.CPU);
                    trainer.Dispose();
                    trainer = next;
                }
            }
            catch (TrainingDivergedException e)
            {
                Diverged.Add($"{Label(prompt)} | {strategy} | seed {seed}: {e.Message}");
                observer.Log($"  {Label(prompt)} | {strategy} | seed {seed}: diverged ({e.Message})");
                return null;
            }
            return Score(trainer, prompt, strategy, seed, evals, clock.Elapsed.TotalSeconds);
        }
        finally { trainer.Dispose(); }
    }

    /// <summary>The finished run's record: its curve, final evaluation, evaluation views and family check; saved and kept.</summary>
    private ComparisonRun Score(Trainer trainer, string prompt, string strategy, long seed, List<CurvePoint> evals, double seconds)
    {
        var cfg = trainer.Config;
        var last = trainer.History.Last(h => h.Evaluation != null).Evaluation!;
        var views = CameraSampler.EvaluationViews(cfg.Cameras).Select(v =>
            trainer.RenderView(v, cfg.EvalResolution, cfg.EvalResolution)).ToList();
        var pictured = (trainer.Guidance as Guidance.BuiltinPrior.BuiltinPriorGuidance) is { ImageConditioned: true } g
            ? g.Selection.Members[0] : null;
        var (familyNearest, hasAttributes) = FamilyNearest(cfg.EvaluationPrompt ?? prompt, cfg, views, pictured);
        var run = new ComparisonRun(prompt, strategy, seed, evals, last.Reference!, last.ReferenceIndex, seconds, familyNearest,
            hasAttributes);
        observer.Log($"  {Label(prompt)} | {strategy} | seed {seed}: PSNR {run.FinalPsnr:F2} dB, IoU {run.FinalIou:F3}, " +
                     $"nearest {run.Nearest}, " +
                     $"PSNR>={Thresholds[0]} at {run.FirstReaching(Thresholds[0])?.ToString() ?? "never"} ({run.Seconds:F0} s)");
        _folder?.SaveRun(Label(prompt), run, ImageIO.Grid(views.Select(v => RgbImage.FromTensor(v.Rgb)).ToList(), views.Count, gap: 0));
        foreach (var (rgb, opacity) in views) { rgb.Dispose(); opacity.Dispose(); }
        Runs.Add(run);
        return run;
    }

    /// <summary>
    /// The nearest member of the prompt's whole family (all families when it names none), and whether the prompt
    /// names it; for a picture, the nearest member of the pictured member's family, and whether it is that member.
    /// </summary>
    private (string Name, bool NamedByPrompt) FamilyNearest(
        string prompt, TrainConfig cfg, IReadOnlyList<(TorchSharp.torch.Tensor Rgb, TorchSharp.torch.Tensor Opacity)> views,
        Scenes.FamilyMember? pictured)
    {
        var library = Scenes.PriorLibrary.Default;
        var family = pictured != null ? library.FindFamily(pictured.Family) : library.Select(prompt).Family;
        // the views are what the last stage's guidance saw (RenderView): shaded, or normal images
        var modality = cfg.LastStage.GuidanceModality;
        var key = $"{family?.Name ?? ""}/{modality}";
        if (!_familyEvaluations.TryGetValue(key, out var evaluation))
            _familyEvaluations[key] = evaluation = new Evaluation.PriorEvaluation(
                family?.Members ?? library.Members, CameraSampler.EvaluationViews(cfg.Cameras), cfg.EvalResolution, cfg.EvalResolution,
                modality: modality);
        var result = evaluation.Evaluate(camera => views[evaluation.Views.ToList().IndexOf(camera)]);
        var nearest = evaluation.Members[result.NearestIndex];
        bool named = pictured != null ? nearest.GlobalIndex == pictured.GlobalIndex
            : library.Select(prompt).Members.Any(m => m.GlobalIndex == nearest.GlobalIndex);
        return (nearest.Name, named);
    }

    /// <summary>Mean PSNR between the evaluation views of every pair of seeds' results (from the study folder); null without two.</summary>
    public double? PairwisePsnr(string prompt, string strategy)
    {
        var images = Runs.Where(r => r.Prompt == prompt && r.Strategy == strategy)
            .Select(r => _folder?.LoadViews(Label(prompt), strategy, r.Seed)).OfType<RgbImage>().Select(i => i.Pixels).ToList();
        var psnrs = new List<double>();
        for (int a = 0; a < images.Count; a++)
            for (int b = a + 1; b < images.Count; b++)
            {
                psnrs.Add(ImageMetrics.Psnr(images[a], images[b]));
            }
        return psnrs.Count > 0 ? psnrs.Average() : null;
    }

    /// <summary>View consistency of a kept run against its family-nearest member (see <see cref="ViewConsistency"/>); null without the
    /// run's views.</summary>
    public double? OppositeSideGain(ComparisonRun run)
    {
        if (_folder?.LoadViews(Label(run.Prompt), run.Strategy, run.Seed) is not RgbImage strip) return null;
        return Consistency.OppositeSideGain(strip, run.FamilyNearest, _folder.RunFile(Label(run.Prompt), run.Strategy, run.Seed, ".png"));
    }

    /// <summary>The study's table, CSV and plot.</summary>
    public ComparisonReport Report => new(this);
}
