using System.Diagnostics;
using DreamTime.Configuration;
using DreamTime.Diffusion;
using DreamTime.Evaluation;
using DreamTime.Guidance;
using DreamTime.Optimization;
using DreamTime.Rendering;
using DreamTime.Representations;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Training;

/// <summary>
/// One optimisation step at a time: a camera batch, a render of the representation, the guidance's loss terms
/// at the strategy's t, the representation's regularisers, Adam over both their parameter groups. It knows the
/// components only through <see cref="IRepresentation"/>, <see cref="IGuidance"/> and <see cref="ITimestepStrategy"/>.
/// Everything random in a step is seeded from (seed, step), so resuming from a checkpoint reproduces an
/// uninterrupted run.
/// </summary>
public sealed class Trainer : IStepTrainer, IDisposable
{
    private const int StreamJitter = 1, StreamNoise = 2, StreamShading = 3, StreamReferenceJitter = 4;

    public TrainConfig Config { get; }
    /// <summary>Which stage of <see cref="Config"/> this trainer trains.</summary>
    public int StageIndex { get; }
    public StageSettings Stage => Config.Stages[StageIndex];
    /// <summary>The seed of this stage's random streams (<see cref="StageSeeds"/>).</summary>
    public long Seed { get; }
    public IRepresentation Representation { get; }
    /// <summary>What the exports write: the representation, or with particles the active one.</summary>
    public IRepresentation Asset => Representation is ParticleSet p ? p.ActiveMember : Representation;
    public IGuidance Guidance { get; }
    public ITimestepStrategy Strategy { get; }
    public IQualityEvaluator? Evaluator { get; }
    /// <summary>The input view's own losses in image-to-3D; null for text-to-3D.</summary>
    public ReferenceViewLoss? Reference { get; }
    /// <summary>What the guidance is conditioned on: the prompt and, in image-to-3D, the input view.</summary>
    public Conditioning Conditioning { get; }
    public List<StepRecord> History { get; } = new();
    public int StepReached { get; private set; }
    public Lighting Light { get; } = Lighting.Default;

    private readonly AdamOptimizer _optimizer;
    private readonly CameraSampler _cameras;

    /// <summary>Takes ownership of the components; restores them and the optimizer from a checkpoint folder when one is given.</summary>
    public Trainer(TrainConfig config, int stageIndex, IRepresentation representation, GuidanceComponents guidance,
        string? resumeCheckpoint = null)
    {
        Config = config;
        StageIndex = stageIndex;
        Seed = StageSeeds.Of(config.Seed, stageIndex);
        var reference = config.LoadReference(stageIndex);
        if (reference != null) Reference = new ReferenceViewLoss(reference, config.Reference!.LambdaRgb, config.Reference.LambdaMask);
        Conditioning = config.Conditioning with { Reference = reference };
        Representation = representation;
        Guidance = guidance.Guidance;
        Evaluator = guidance.Evaluator;
        Strategy = Stage.Timesteps.Build(Guidance.Schedule, Stage.Iterations, Seed);
        _cameras = new CameraSampler(config.Cameras, (int)(Seed & 0x7FFFFFFF));
        _optimizer = AdamOptimizer.For(representation.ParameterGroups.Concat(Guidance.TrainableGroups));
        if (resumeCheckpoint != null)
        {
            var state = Checkpoint.Load(resumeCheckpoint, representation, Guidance, _optimizer);
            StepReached = state.Step;
            History.AddRange(state.History);
        }
    }

    /// <summary>Builds a stage's components by name (guidance first, so that a bad prompt or checkpoint fails before any
    /// work) and its trainer. <paramref name="previous"/> is the stage before's representation (not owned).</summary>
    public static Trainer Create(TrainConfig config, Device device, int stageIndex = 0, IRepresentation? previous = null,
        string? resumeCheckpoint = null, GuidanceComponents? guidance = null)
    {
        var context = new ComponentContext(config, device, stageIndex, previous);
        // a stage's own guidance reports its keys under the stage ("stages.1.guidance.model")
        guidance ??= config.Stages[stageIndex].Guidance == null
            ? Components.Guidance.Create(config.Guidance, context)
            : UserError.InSection($"stages.{stageIndex}", () => Components.Guidance.Create(config.GuidanceOf(stageIndex), context));
        IRepresentation? representation = null;
        try
        {
            representation = CreateRepresentation(context);
            return new Trainer(config, stageIndex, representation, guidance, resumeCheckpoint);
        }
        catch
        {
            representation?.Dispose();
            guidance.Guidance.Dispose();
            throw;
        }
    }

    /// <summary>A stage's representation, built by name from the stage's seed (and the previous stage's representation
    /// the context holds), on the context's device.</summary>
    public static IRepresentation CreateRepresentation(ComponentContext context)
    {
        if (context.Config.Particles == 1) return CreateOne(context);
        var members = new List<IRepresentation>();
        try
        {
            for (int k = 0; k < context.Config.Particles; k++)
                members.Add(CreateOne(context with
                {
                    Particle = k,
                    Previous = context.Previous is ParticleSet previous ? previous.Members[k] : context.Previous,
                }));
            return new ParticleSet(members);
        }
        catch
        {
            foreach (var m in members) m.Dispose();
            throw;
        }
    }

    private static IRepresentation CreateOne(ComponentContext context)
    {
        torch.manual_seed(context.StageSeed);
        var representation = UserError.InSection($"stages.{context.StageIndex}.representation",
            () => Components.Representation.Create(context.Stage.Representation, context));
        representation.MoveTo(context.Device);
        return representation;
    }

    public bool IsLastStage => StageIndex == Config.Stages.Count - 1;

    /// <summary>The next stage's trainer, its representation built from this one's (which it copies: this trainer may be
    /// disposed once it returns).</summary>
    public Trainer NextStage(Device device) => Create(Config, device, StageIndex + 1, Representation);

    public ShadingMode ShadingFor(int step)
    {
        double a = Stage.ShadingAlbedo, d = Stage.ShadingDiffuse, x = Stage.ShadingTextureless;
        double u = new Random(Seeds.Mix(Seed, step, StreamShading)).NextDouble() * (a + d + x);
        return u < a ? ShadingMode.Albedo : u < a + d ? ShadingMode.Diffuse : ShadingMode.Textureless;
    }

    /// <summary>The step's cameras: batch_size per particle, particle k's b-th at k * batch_size + b.</summary>
    public IReadOnlyList<Camera> CamerasFor(int step)
    {
        int n = Stage.BatchSize * Config.Particles;
        return Enumerable.Range(0, n).Select(b => _cameras.ForStep(step * n + b)).ToList();
    }

    StepRecord IStepTrainer.TrainStep(int step) => Step(step);

    /// <summary>When set, each step adds its parts' times to it.</summary>
    public StepTimings? Timings { get; set; }

    /// <summary>One optimisation step; returns what it logged. Throws <see cref="TrainingDivergedException"/> on NaN/Inf.</summary>
    public StepRecord Step(int step)
    {
        var clock = Stopwatch.StartNew();
        double mark = 0;
        double Lap()
        {
            double now = clock.Elapsed.TotalSeconds, lap = now - mark;
            mark = now;
            return lap;
        }
        using var scope = torch.NewDisposeScope();
        int t = Strategy.TimestepAt(step);
        var cams = CamerasFor(step);
        using var jitter = Seeds.Generator(Seed, step, StreamJitter);
        using var noise = Seeds.Generator(Seed, step, StreamNoise);
        Representation.UpdateStep(step);
        Guidance.UpdateStep(step);
        if (Timings != null) Timings.Update += Lap();
        _optimizer.ZeroGrad();
        var render = Representation.Render(new RenderRequest(cams, Stage.Height, Stage.Width, ShadingFor(step), Light, jitter));
        if (Timings != null) Timings.Render += Lap();
        // the normal modality hands the guidance the normal image in place of the colours; the regularisers keep the render
        var seen = Modality == ImageModality.Normal ? render with { Rgb = NormalImage.Of(render) } : render;
        GuidanceOutput guided;
        try { guided = Guidance.Step(new GuidanceInput(seen, cams, Conditioning, t, noise)); }
        catch (NonFiniteOutputException e) { throw new TrainingDivergedException(step, e.Where); }
        if (Timings != null) Timings.Guidance += Lap();
        var terms = guided.Losses.Concat(Representation.Regularizers(render, step)).ToList();
        if (Reference is { Active: true })
        {
            using var refJitter = Seeds.Generator(Seed, step, StreamReferenceJitter);
            var refRender = Representation.Render(new RenderRequest(new[] { Reference.View.Camera }, Stage.Height, Stage.Width,
                ShadingMode.Diffuse, Light, refJitter));
            terms.AddRange(Reference.Losses(refRender));
        }
        var values = new Dictionary<string, double>();
        foreach (var (name, value) in terms)
        {
            double v = value.item<float>();
            if (!double.IsFinite(v)) throw new TrainingDivergedException(step, $"loss term '{name}'");
            values[name] = v;
        }
        var loss = terms.Select(x => x.Value).Aggregate((a, b) => a.Plus(b));
        if (Timings != null) Timings.Optimizer += Lap();
        loss.backward();
        if (Timings != null) Timings.Backward += Lap();
        var bad = _optimizer.FirstNonFiniteGradient();
        if (bad != null) throw new TrainingDivergedException(step, $"gradient of {bad}");
        _optimizer.Step();
        if (Timings != null)
        {
            Timings.Optimizer += Lap();
            Timings.Steps++;
        }
        StepReached = step;
        return new StepRecord(step, t, loss.item<float>(), values, guided.Stats, clock.Elapsed.TotalSeconds) { Stage = Stage.Name };
    }

    /// <summary>What the stage's guidance sees and its evaluation scores (the stage's guidance_input).</summary>
    public ImageModality Modality => Stage.GuidanceModality;

    /// <summary>
    /// Renders one camera without gradients: rgb [H,W,3] and opacity [H,W]. With no shading given, the image the
    /// stage's guidance sees: the diffuse-shaded render, or in the normal modality the normal image; with one, that shading.
    /// </summary>
    public (Tensor Rgb, Tensor Opacity) RenderView(Camera camera, int height, int width, ShadingMode? shading = null)
    {
        using var _ = torch.no_grad();
        // A render holds ~1 KB of intermediates per sample: free them now, keep only the two images.
        using var scope = torch.NewDisposeScope();
        var r = Representation.Render(new RenderRequest(new[] { camera }, height, width, shading ?? ShadingMode.Diffuse, Light));
        var rgb = shading == null && Modality == ImageModality.Normal ? NormalImage.Of(r) : r.Rgb;
        return (rgb[0].detach().MoveToOuterDisposeScope(), r.Opacity[0, .., .., 0].detach().MoveToOuterDisposeScope());
    }

    /// <summary>Scores the representation against the guidance's ground truth (null where there is none).</summary>
    public QualityResult? Evaluate()
    {
        using var scope = torch.NewDisposeScope();
        using var views = Representation.BeginViews();
        return Evaluator?.Evaluate(cam => RenderView(cam, Config.EvalResolution, Config.EvalResolution));
    }

    public void SaveCheckpoint(string dir) =>
        Checkpoint.Save(dir, Representation, Guidance, _optimizer,
            new Checkpoint.State(StepReached, Config.Prompt, Stage.Timesteps.Strategy, Config.Seed, History)
            {
                Stage = Stage.Name,
                Representation = Config.RepresentationName(StageIndex),
            });

    public void Dispose()
    {
        Representation.Dispose();
        Guidance.Dispose();
        Reference?.Dispose();
    }
}
