using DreamTime.Configuration;
using DreamTime.Guidance;
using DreamTime.IO;
using DreamTime.Rendering;
using DreamTime.Representations;
using DreamTime.Representations.Nerf;
using DreamTime.Runtime;
using DreamTime.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Tests.Training;

/// <summary>Tiny trainer settings and helpers shared by the trainer tests (each run costs well under a second a step).</summary>
internal static class TrainingTestSupport
{
    static TrainingTestSupport() => TorchRuntime.ConfigureAllocator();

    /// <summary>A NeRF small enough for a 16x16 step in tens of milliseconds, with dense and hashed levels.</summary>
    public static readonly NerfConfig TinyNerf = new(HashLevels: 4, Log2TableSize: 12, BaseResolution: 8, PerLevelScale: 2.0,
        HiddenWidth: 16, SamplesPerRay: 24, BackgroundWidth: 8);

    public static TrainConfig Tiny(int iterations, long seed = 3, string prompt = "a red mushroom") => new()
    {
        Prompt = prompt,
        Seed = seed,
        Stages = [new StageSettings
        {
            Iterations = iterations,
            Height = 16,
            Width = 16,
            Representation = new NerfSettings { Field = TinyNerf, MeshResolution = 24 },
        }],
        PreviewEvery = 0,
        CheckpointEvery = 0,
        EvalEvery = 0,
        EvalResolution = 16,
        TurntableFrames = 2,
        TurntableResolution = 16,
    };

    /// <summary>The config with its (only) stage changed.</summary>
    public static TrainConfig WithStage(this TrainConfig cfg, Func<StageSettings, StageSettings> change) =>
        cfg with { Stages = [change(cfg.Stages[0]), .. cfg.Stages.Skip(1)] };

    /// <summary>The config with its first stage's iteration count changed.</summary>
    public static TrainConfig WithIterations(this TrainConfig cfg, int iterations) =>
        cfg.WithStage(s => s with { Iterations = iterations });

    /// <summary>A trainer on the CPU with the configured components, or the given guidance; with its run folder.</summary>
    public static TestTrainer NewTrainer(TrainConfig cfg, string runRoot, string? checkpoint = null, IGuidance? guidance = null,
        bool evaluator = false)
    {
        GuidanceComponents? g = null;
        if (guidance != null) g = new GuidanceComponents(guidance, null);
        else if (!evaluator)
        {
            var built = Components.Guidance.Create(cfg.Guidance, new ComponentContext(cfg, torch.CPU));
            g = built with { Evaluator = null };
        }
        return new TestTrainer(Trainer.Create(cfg, torch.CPU, resumeCheckpoint: checkpoint, guidance: g), new RunFolder(runRoot));
    }

    /// <summary>The tiny config with changed NeRF settings.</summary>
    public static TrainConfig WithNerf(this TrainConfig cfg, Func<NerfSettings, NerfSettings> change) =>
        cfg.WithStage(s => s with { Representation = change((NerfSettings)s.Representation) });

    /// <summary>One guidance step on plain images [B,H,W,3] (image-space score distillation).</summary>
    public static (Tensor Loss, double GradNorm, IReadOnlyDictionary<string, double> Stats) StepImages(this IGuidance guidance,
        Tensor images, IReadOnlyList<Camera> cameras, int t, Generator noise, string? prompt = null)
    {
        prompt ??= (guidance as DreamTime.Guidance.BuiltinPrior.BuiltinPriorGuidance)?.Prompt ?? "";
        var r = guidance.Step(new GuidanceInput(RenderOutput.FromImages(images), cameras, new Conditioning(prompt), t, noise));
        return (r.Losses["sds"], r.Stats["grad_norm"], r.Stats);
    }

    /// <summary>The model's parameters by checkpoint key, copied to CPU float64 arrays.</summary>
    public static Dictionary<string, double[]> Parameters(IRepresentation representation) =>
        Parameters((NerfRepresentation)representation);

    /// <summary>The model's parameters and, as its checkpoint holds them, its occupancy grid's estimates ("occupancy").</summary>
    public static Dictionary<string, double[]> Parameters(NerfRepresentation model)
    {
        var tensors = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        if (model.Occupancy != null) tensors["occupancy"] = model.Occupancy.CellDensity;
        return tensors.ToDictionary(kv => kv.Key, kv =>
        {
            using var t = kv.Value.detach().to(ScalarType.Float64).cpu().contiguous();
            return t.data<double>().ToArray();
        });
    }

    /// <summary>Every tensor of a safetensors file as float64 arrays.</summary>
    public static Dictionary<string, double[]> Tensors(string path)
    {
        var f = SafetensorsFile.Open(path);
        return f.Entries.Keys.ToDictionary(k => k, k =>
        {
            using var t = f.Load(k);
            using var d = t.to(ScalarType.Float64).contiguous();
            return d.data<double>().ToArray();
        });
    }

    /// <summary>Largest absolute difference over all entries; the key sets must match.</summary>
    public static double MaxDifference(Dictionary<string, double[]> a, Dictionary<string, double[]> b)
    {
        if (!a.Keys.OrderBy(k => k).SequenceEqual(b.Keys.OrderBy(k => k)))
            throw new InvalidOperationException($"key sets differ: [{string.Join(",", a.Keys)}] vs [{string.Join(",", b.Keys)}]");
        double worst = 0;
        foreach (var (k, x) in a)
        {
            var y = b[k];
            if (x.Length != y.Length) throw new InvalidOperationException($"{k}: {x.Length} vs {y.Length} values");
            for (int i = 0; i < x.Length; i++) worst = Math.Max(worst, Math.Abs(x[i] - y[i]));
        }
        return worst;
    }
}
