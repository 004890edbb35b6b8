using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using DreamTime.Imaging;
using DreamTime.Models.Diffusers;
using DreamTime.Runtime;
using DreamTime.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.LearnedPrior;

/// <summary>
/// The `prior train` service: a new run (or a resumed one) from the first missing step to the configured last,
/// with progress through <see cref="IRunObserver"/>, a checkpoint every K steps (and at the end or on
/// cancellation), and at the end the EMA model as a diffusers folder, a loss curve, a sample grid and the
/// resolved config beside them. A non-finite loss or gradient stops the run with the last checkpoint intact.
/// </summary>
public static class LearnedPriorTraining
{
    private static readonly JsonSerializerOptions LineJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Starts a run in <paramref name="outDir"/>, which must not
    /// exist (or be empty) unless <paramref name="overwrite"/>.</summary>
    public static LearnedPriorResult Train(LearnedPriorConfig config, string outDir, bool overwrite, IRunObserver observer,
        CancellationToken cancel = default)
    {
        config.Validate();
        var device = TorchRuntime.ResolveDevice(config.Device);
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any() && !overwrite)
            new RunFolder(outDir).PrepareNew(overwrite: false); // refuses, naming --overwrite
        // a bad --init fails before the folder is touched
        using var trainer = new LearnedPriorTrainer(config, device);
        if (config.InitModel != null) trainer.InitialiseFrom(config.InitModel);
        new RunFolder(outDir).PrepareNew(overwrite);
        var folder = new LearnedPriorFolder(outDir);
        AtomicFile.WriteAllText(folder.Config, config.ToJson());
        observer.Log($"training a learned prior: UNet ({string.Join(", ", config.Channels)}) {Count(trainer.Unet):N0} parameters, " +
            $"text encoder {Count(trainer.Text):N0}; " +
                     $"{config.Steps} steps of batch {config.BatchSize} at {config.ImageSize}x{config.ImageSize} on {device}");
        return Run(trainer, folder, observer, cancel);
    }

    /// <summary>
    /// Continues the run in <paramref name="dir"/> from its last checkpoint with its own config.json; a new total
    /// step count or device may be given (a new total reshapes the cosine schedule from there on).
    /// </summary>
    public static LearnedPriorResult Resume(string dir, int? steps, string? device, IRunObserver observer,
        CancellationToken cancel = default)
    {
        var folder = new LearnedPriorFolder(dir);
        if (!File.Exists(folder.Config))
            throw new UserError($"training folder {dir}: no config.json there; not a learned-prior training folder");
        var config = LearnedPriorConfig.FromJson(File.ReadAllText(folder.Config), folder.Config);
        if (!Directory.Exists(folder.LastCheckpoint))
            throw new UserError($"training folder {dir}: no checkpoint in {folder.LastCheckpoint}");
        if (steps is int n) config = config with { Steps = n };
        if (device != null) config = config with { Device = device };
        config.Validate();
        var dev = TorchRuntime.ResolveDevice(config.Device);
        using var trainer = new LearnedPriorTrainer(config, dev);
        trainer.LoadCheckpoint(folder.LastCheckpoint);
        if (trainer.Step > config.Steps)
            throw new UserError("steps", $"is {config.Steps}; the checkpoint is already at step {trainer.Step}");
        AtomicFile.WriteAllText(folder.Config, config.ToJson());
        // steps after the checkpoint were lost with the interruption and will be trained again
        var kept = ReadMetrics(folder.MetricsLog).Where(m => m.Step <= trainer.Step)
            .Select(m => JsonSerializer.Serialize(m, LineJson) + "\n");
        AtomicFile.WriteAllText(folder.MetricsLog, string.Concat(kept));
        observer.Log($"resuming {folder.Root} at step {trainer.Step + 1} of {config.Steps}");
        return Run(trainer, folder, observer, cancel);
    }

    private static LearnedPriorResult Run(LearnedPriorTrainer trainer, LearnedPriorFolder folder, IRunObserver observer,
        CancellationToken cancel)
    {
        var config = trainer.Config;
        int last = config.Steps;
        double loss = double.NaN;
        using (var log = new StreamWriter(folder.MetricsLog, append: true))
        {
            var loop = new TrainingLoop(trainer, observer)
            {
                CheckpointFolder = folder.LastCheckpoint,
                CheckpointEvery = config.CheckpointEvery,
                CheckpointAtLast = true,
                ResumeHint = $"Continue it by resuming {folder.Root}",
                AfterStep = rec =>
                {
                    loss = rec.Loss;
                    log.WriteLine(JsonSerializer.Serialize(new LearnedPriorStep(rec.Step, rec.Loss, rec.Stats["lr"], rec.Stats["mean_t"],
                        rec.Seconds), LineJson));
                    log.Flush();
                    return rec;
                },
            };
            if (loop.Run(trainer.Step + 1, last, cancel) == SessionOutcome.Interrupted)
                return new LearnedPriorResult(folder, trainer.Step, false, loss);
        }

        observer.Log($"saving the EMA model to {folder.Model}");
        trainer.SaveModel(folder.Model);
        WriteLossCurve(folder.LossCurve, ReadMetrics(folder.MetricsLog));
        if (config.SampleSeeds > 0)
        {
            observer.Log($"sampling {trainer.Data.Families.Count} families x {config.SampleSeeds} seeds " +
                $"({config.SampleSteps} {LearnedPriorConfig.SchedulerConfig().Sampler.ToUpperInvariant()} steps, " +
                $"guidance {config.SampleGuidance.ToString(CultureInfo.InvariantCulture)})");
            WriteSampleGrid(folder.Samples, folder.Model, trainer.Data, config, trainer.Device);
        }
        observer.Log($"done: model {folder.Model}, loss curve {folder.LossCurve}" +
            (config.SampleSeeds > 0 ? $", samples {folder.Samples}" : ""));
        return new LearnedPriorResult(folder, trainer.Step, true, loss);
    }

    /// <summary>
    /// Writes the EMA model of a training folder's last checkpoint as a diffusers folder (an unfinished run's
    /// model, or a finished one in another dtype), with the training config beside it (training_config.json).
    /// </summary>
    public static void Export(string runDir, string outDir, bool overwrite, string? dtype, IRunObserver observer)
    {
        if (dtype != null) LearnedPriorConfig.ScalarTypeOf(dtype);
        var folder = new LearnedPriorFolder(runDir);
        if (!File.Exists(folder.Config))
            throw new UserError($"training folder {runDir}: no config.json there; not a learned-prior training folder");
        var config = LearnedPriorConfig.FromJson(File.ReadAllText(folder.Config), folder.Config);
        if (dtype != null) config = config with { ModelDtype = dtype };
        config.Validate();
        if (!Directory.Exists(folder.LastCheckpoint))
            throw new UserError($"training folder {runDir}: no checkpoint in {folder.LastCheckpoint}");
        if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any() && !overwrite)
            throw new UserError($"output folder {outDir}: exists and is not empty; choose another or allow overwriting it");
        using var trainer = new LearnedPriorTrainer(config with { Device = "cpu" });
        trainer.LoadCheckpoint(folder.LastCheckpoint);
        trainer.SaveModel(outDir);
        AtomicFile.WriteAllText(Path.Combine(outDir, "training_config.json"), config.ToJson());
        observer.Log($"exported the EMA model of step {trainer.Step} ({config.ModelDtype}) to {Path.GetFullPath(outDir)}");
    }

    public static IReadOnlyList<LearnedPriorStep> ReadMetrics(string path) =>
        !File.Exists(path) ? Array.Empty<LearnedPriorStep>()
            : File.ReadLines(path).Where(l => l.Trim().Length > 0).Select(l =>
                JsonSerializer.Deserialize<LearnedPriorStep>(l, LineJson)!).ToList();

    /// <summary>The prompt the sample grid uses for a family ("a mushroom, front view"): its noun and a view, no attributes.</summary>
    public static string FamilyPrompt(Scenes.SceneFamily family) =>
        PriorTrainingData.Caption(family, new Dictionary<string, string>(), Array.Empty<string>(), "front");

    /// <summary>
    /// One row per family, one column per seed: the saved model loaded back like any checkpoint, its sampler (DDPM)
    /// with classifier-free guidance; seed s starts from the noise `sample --seed s` would use, and each row's step
    /// noise comes from a generator seeded by the row.
    /// </summary>
    public static void WriteSampleGrid(string path, string modelFolder, PriorTrainingData data, LearnedPriorConfig config, Device device)
    {
        using var pipe = StableDiffusionPipeline.Load(modelFolder, device);
        using var scope = torch.NewDisposeScope();
        var shape = pipe.LatentShape(config.ImageSize, config.ImageSize);
        var noise = torch.cat(Enumerable.Range(0, config.SampleSeeds).Select(s =>
            torch.randn(shape, generator: new Generator((ulong)s))).ToArray(), 0);
        var uncond = pipe.EncodePrompt("");
        var tiles = new List<RgbImage>();
        foreach (var family in data.Families)
        {
            var cond = pipe.EncodePrompt(FamilyPrompt(family));
            using var stepNoise = new Generator((ulong)tiles.Count);
            var images = pipe.DecodeToImages(pipe.Sample(cond, uncond, noise, config.SampleSteps, config.SampleGuidance,
                stepNoise: stepNoise)).cpu();
            for (int i = 0; i < config.SampleSeeds; i++) tiles.Add(RgbImage.FromTensor(images[i]));
        }
        ImageIO.SavePng(path, ImageIO.Grid(tiles, config.SampleSeeds, scale: Math.Max(1, 128 / config.ImageSize)));
    }

    public static void WriteLossCurve(string path, IReadOnlyList<LearnedPriorStep> steps)
    {
        if (steps.Count == 0) return;
        using var fig = new PanelFigure(900, 520) { Title = "Learned prior: training loss" };
        var p = fig.Panel(0, 0);
        p.XLabel("step");
        p.YLabel("noise-prediction MSE");
        p.UseLogScale();
        var x = steps.Select(s => (double)s.Step).ToArray();
        p.AddLine("loss", x, steps.Select(s => s.Loss).ToArray()).Opacity = 0.35;
        // single-batch losses are noisy (t is drawn per example); a trailing mean shows the trend
        int w = Math.Clamp(steps.Count / 20, 1, 200);
        var smooth = new double[steps.Count];
        double sum = 0;
        for (int i = 0; i < steps.Count; i++)
        {
            sum += steps[i].Loss;
            if (i >= w) sum -= steps[i - w].Loss;
            smooth[i] = sum / Math.Min(i + 1, w);
        }
        p.AddLine($"mean of last {w}", x, smooth);
        fig.SavePng(path);
    }

    private static long Count(nn.Module m) => m.parameters().Sum(p => p.numel());
}
