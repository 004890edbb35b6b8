using System.Diagnostics;
using System.Text.Json;
using DreamTime.Diffusion;
using DreamTime.Guidance;
using DreamTime.Imaging;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Representations;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Training;

/// <summary>Ground-truth quality of the current scene (the built-in prior knows its members; SD does not).</summary>
public interface IQualityEvaluator
{
    /// <param name="render">Renders the scene from a camera at the evaluation resolution: rgb [H,W,3], opacity [H,W].</param>
    QualityResult Evaluate(Func<Camera, (Tensor Rgb, Tensor Opacity)> render);
}

public sealed record QualityResult(string NearestMember, int NearestIndex, double Psnr, double MaskIou);

/// <summary>A step produced NaN or Inf; the run stops and its last checkpoint stays as it was.</summary>
public sealed class TrainingDivergedException(int step, string component)
    : Exception($"step {step}: non-finite value in {component}; training stopped, the last good checkpoint is intact")
{
    public int Step { get; } = step;
    public string Component { get; } = component;
}

/// <summary>
/// The optimisation loop: per step a camera batch, a render, the guidance's SDS loss at the strategy's t,
/// regularisers, Adam. Everything random in a step is seeded from (seed, step), so resuming from a checkpoint
/// reproduces an uninterrupted run.
/// </summary>
public sealed class Trainer : IDisposable
{
    private const int StreamJitter = 1, StreamNoise = 2, StreamShading = 3;

    public TrainConfig Config { get; }
    public NerfRepresentation Model { get; }
    public IGuidance Guidance { get; }
    public ITimestepStrategy Strategy { get; }
    public RunFolder Run { get; }
    public IQualityEvaluator? Evaluator { get; }
    public List<StepRecord> History { get; } = new();
    public int StepReached { get; private set; }
    public Lighting Light { get; } = Lighting.Default;

    private readonly AdamOptimizer _optimizer;
    private readonly CameraSampler _cameras;
    private readonly Device _device;

    public Trainer(TrainConfig config, RunFolder run, IGuidance guidance, IQualityEvaluator? evaluator, Device device, string? resumeCheckpoint = null)
    {
        Config = config;
        Run = run;
        Guidance = guidance;
        Evaluator = evaluator;
        _device = device;
        Strategy = config.Timesteps.Build(guidance.Schedule);
        _cameras = new CameraSampler(config.Cameras, (int)(config.Seed & 0x7FFFFFFF));
        torch.manual_seed(config.Seed);
        var resumed = resumeCheckpoint == null ? null : Checkpoint.LoadState(resumeCheckpoint);
        Model = resumeCheckpoint == null
            ? new NerfRepresentation(config.Nerf, config.Seed)
            : NerfRepresentation.LoadWeights(Checkpoint.ModelPath(resumeCheckpoint), config.Nerf);
        Model.to(device);
        double LrOf(string group) => group switch { "encoding" => config.LrEncoding, "background" => config.LrBackground, _ => config.LrNetwork };
        var groups = Model.ParameterGroups().Select(g =>
            new AdamOptimizer.Group(g.Group, g.Params.Select((p, i) => ($"{g.Group}.{i}", p)).ToList(), LrOf(g.Group)));
        _optimizer = new AdamOptimizer(groups);
        if (resumeCheckpoint != null)
        {
            _optimizer.Load(Checkpoint.OptimizerPath(resumeCheckpoint));
            StepReached = resumed!.Step;
            History.AddRange(resumed.History);
        }
    }

    public ShadingMode ShadingFor(int step)
    {
        double a = Config.ShadingAlbedo, d = Config.ShadingDiffuse, x = Config.ShadingTextureless;
        double u = new Random(Seeds.Mix(Config.Seed, step, StreamShading)).NextDouble() * (a + d + x);
        return u < a ? ShadingMode.Albedo : u < a + d ? ShadingMode.Diffuse : ShadingMode.Textureless;
    }

    public IReadOnlyList<Camera> CamerasFor(int step) =>
        Enumerable.Range(0, Config.BatchSize).Select(b => _cameras.ForStep(step * Config.BatchSize + b)).ToList();

    /// <summary>One optimisation step; returns what it logged. Throws <see cref="TrainingDivergedException"/> on NaN/Inf.</summary>
    public StepRecord Step(int step)
    {
        var clock = Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        int t = Strategy.TimestepAt(step);
        var cams = CamerasFor(step);
        using var jitter = Seeds.Generator(Config.Seed, step, StreamJitter);
        using var noise = Seeds.Generator(Config.Seed, step, StreamNoise);
        _optimizer.ZeroGrad();
        var render = Model.Render(cams, Config.Height, Config.Width, ShadingFor(step), Light, jitter);
        var sds = Guidance.Step(render.Rgb, cams, t, noise);
        var terms = new List<(string Name, Tensor Value)> { ("sds", sds.Loss) };
        if (Config.LambdaOrientation > 0) terms.Add(("orientation", render.OrientationLoss * Config.LambdaOrientation));
        if (Config.LambdaSparsity > 0) terms.Add(("sparsity", render.SparsityLoss * Config.LambdaSparsity));
        if (Config.LambdaOpacityEntropy > 0) terms.Add(("opacity_entropy", render.OpacityEntropyLoss * Config.LambdaOpacityEntropy));
        foreach (var (name, value) in terms)
            if (!double.IsFinite(value.item<float>())) throw new TrainingDivergedException(step, $"loss term '{name}'");
        var loss = terms.Select(x => x.Value).Aggregate((a, b) => a + b);
        loss.backward();
        var bad = _optimizer.FirstNonFiniteGradient();
        if (bad != null) throw new TrainingDivergedException(step, $"gradient of {bad}");
        _optimizer.Step();
        StepReached = step;
        return new StepRecord(step, t, loss.item<float>(), sds.Loss.item<float>(), sds.GradNorm, clock.Elapsed.TotalSeconds,
            PosteriorEntropy: sds.Stats.TryGetValue("posterior_entropy", out var entropy) ? entropy : null);
    }

    /// <summary>Renders one camera without gradients: rgb [H,W,3] and opacity [H,W] (diffuse-shaded, as the prior sees it).</summary>
    public (Tensor Rgb, Tensor Opacity) RenderView(Camera camera, int height, int width, ShadingMode shading = ShadingMode.Diffuse)
    {
        using var _ = torch.no_grad();
        // A render holds ~1 KB of intermediates per sample: free them now, keep only the two images.
        using var scope = torch.NewDisposeScope();
        var r = Model.Render(new[] { camera }, height, width, shading, Light, null);
        return (r.Rgb[0].detach().MoveToOuterDisposeScope(), r.Opacity[0, .., .., 0].detach().MoveToOuterDisposeScope());
    }

    public QualityResult? Evaluate()
    {
        using var scope = torch.NewDisposeScope();
        return Evaluator?.Evaluate(cam => RenderView(cam, Config.EvalResolution, Config.EvalResolution));
    }

    public void SaveCheckpoint() =>
        Checkpoint.Save(Run.LastCheckpoint, Model, _optimizer,
            new Checkpoint.State(StepReached, Config.Prompt, Config.Timesteps.Strategy, Config.Seed, History));

    /// <summary>A preview: the training view shadings of a fixed camera, side by side.</summary>
    public void WritePreview(int step)
    {
        var cam = Config.Cameras.MidCamera(20, 30);
        var images = new[] { ShadingMode.Diffuse, ShadingMode.Albedo, ShadingMode.Textureless }.Select(s =>
        {
            using var scope = torch.NewDisposeScope();
            return RgbImage.FromTensor(RenderView(cam, 96, 96, s).Rgb);
        }).ToList();
        ImageIO.SavePng(Path.Combine(Run.Previews, $"step_{step:D5}.png"), ImageIO.Grid(images, images.Count));
    }

    public void Dispose()
    {
        Model.Dispose();
        Guidance.Dispose();
    }
}
