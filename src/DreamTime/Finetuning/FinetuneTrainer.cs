using DreamTime.Diffusion;
using DreamTime.IO;
using DreamTime.Models.Diffusers;
using DreamTime.Models.Lora;
using DreamTime.Optimization;
using DreamTime.Runtime;
using DreamTime.Training;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace DreamTime.Finetuning;

/// <summary>
/// DreamBooth's training step on a loaded pipeline: a batch of subject pictures with the instance caption and as
/// many class images with the class caption, each noised at a uniform t, the model's prediction-type loss on both
/// (the class loss weighted by <see cref="FinetuneSettings.PriorLossWeight"/>), AdamW on the UNet and text
/// encoder's weights or on LoRA adapters over their attention. Every draw comes from (seed, step), so a resumed run
/// repeats the uninterrupted one.
/// </summary>
public sealed class FinetuneTrainer : IStepTrainer, IDisposable
{
    private const int StreamPick = 1, StreamNoise = 2;
    private const string TrainableFile = "trainable.safetensors", OptimizerFile = "optimizer.safetensors", StepFile = "step.txt";

    private readonly StableDiffusionPipeline _pipe;
    private readonly FinetuneSettings _settings;
    private readonly Tensor _instances, _classes;
    private readonly IReadOnlyList<string> _instanceCaptions, _classCaptions;
    private readonly List<(string Name, Parameter Param)> _trainable;
    private readonly AdamOptimizer _optimizer;
    private readonly List<LoraNetwork> _lora = new();
    private readonly Tensor _alphasCumprod;

    public int StepReached { get; private set; }

    /// <param name="instances">the subject pictures in the space the model denoises [N, C, h, w]</param>
    /// <param name="classes">the class images likewise (empty when there is no prior preservation)</param>
    public FinetuneTrainer(StableDiffusionPipeline pipeline, FinetuneSettings settings, Tensor instances,
        IReadOnlyList<string> instanceCaptions, Tensor classes, IReadOnlyList<string> classCaptions)
    {
        _pipe = pipeline;
        _settings = settings;
        _instances = instances;
        _classes = classes;
        _instanceCaptions = instanceCaptions;
        _classCaptions = classCaptions;
        if (pipeline.Tokenizer is null)
            throw new UserError($"{pipeline.Folder}: no tokenizer/ folder; fine-tuning needs the captions' tokens");
        if (!settings.IsLora && pipeline.Dtype != ScalarType.Float32)
            throw new UserError("method", $"full: {pipeline.Folder} computes in {pipeline.Dtype} on {pipeline.Device}, and AdamW on " +
                "half-precision weights loses its small updates; use lora (its adapters train in float32)");
        _trainable = new List<(string, Parameter)>();
        if (settings.IsLora)
        {
            var lora = settings.Lora;
            using var generator = Seeds.Generator(settings.Seed, 0, 0x10A);
            // each model gets adapters on the targeted projections it has (targets may name only one model's)
            if (LoraSettings.UnetProjections.Any(lora.Adapts)) _lora.Add(LoraNetwork.Attach(pipeline.Unet, "unet", lora, generator));
            if (settings.TrainTextEncoder && LoraSettings.TextProjections.Any(lora.Adapts))
                _lora.Add(LoraNetwork.Attach(pipeline.TextEncoder, "text_encoder", lora, generator));
            foreach (var net in _lora)
                foreach (var (path, a) in net.Adapters)
                {
                    _trainable.Add(($"{net.Component}.{path}.lora_A", a.Down));
                    _trainable.Add(($"{net.Component}.{path}.lora_B", a.Up));
                }
        }
        else
        {
            foreach (var (name, p) in pipeline.Unet.named_parameters()) _trainable.Add(("unet." + name, p));
            if (settings.TrainTextEncoder)
                foreach (var (name, p) in pipeline.TextEncoder.named_parameters()) _trainable.Add(("text_encoder." + name, p));
            foreach (var (_, p) in _trainable) p.requires_grad = true;
        }
        _optimizer = new AdamOptimizer([new AdamOptimizer.Group("finetune", _trainable, settings.EffectiveLearningRate,
            OptimizerSettings.AdamW)]);
        _alphasCumprod = torch.tensor(pipeline.Schedule.AlphasCumprod).to(pipeline.Device);
    }

    public IReadOnlyList<LoraNetwork> LoraNetworks => _lora;

    StepRecord IStepTrainer.TrainStep(int step)
    {
        if (step != StepReached + 1) throw new ArgumentException($"step {step}: the trainer is at step {StepReached}", nameof(step));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var scope = torch.NewDisposeScope();
        using var pick = Seeds.Generator(_settings.Seed, step, StreamPick);
        using var noise = Seeds.Generator(_settings.Seed, step, StreamNoise);
        var (instanceLoss, tInstance) = Loss(_instances, _instanceCaptions, pick, noise);
        var terms = new Dictionary<string, double> { ["instance"] = instanceLoss.item<float>() };
        var loss = instanceLoss;
        if (_settings.PriorLossWeight > 0 && _classes.shape[0] > 0)
        {
            var (classLoss, _) = Loss(_classes, _classCaptions, pick, noise);
            terms["class"] = classLoss.item<float>();
            loss = loss.Plus(classLoss.Times(_settings.PriorLossWeight));
        }
        double value = loss.item<float>();
        if (!double.IsFinite(value)) throw new TrainingDivergedException(step, "the fine-tuning loss");
        _optimizer.ZeroGrad();
        loss.backward();
        if (_optimizer.FirstNonFiniteGradient() is string bad) throw new TrainingDivergedException(step, "gradient of " + bad);
        _optimizer.Step();
        StepReached = step;
        return new StepRecord(step, tInstance, value, terms, new Dictionary<string, double> { ["lr"] = _settings.EffectiveLearningRate },
            clock.Elapsed.TotalSeconds);
    }

    /// <summary>The prediction-type MSE of a batch drawn (with replacement) from one set, and the batch's first t.</summary>
    private (Tensor Loss, int T) Loss(Tensor set, IReadOnlyList<string> captions, Generator pick, Generator noiseGenerator)
    {
        int b = _settings.BatchSize;
        var index = torch.randint(0, set.shape[0], new long[] { b }, ScalarType.Int64, generator: pick);
        var t = torch.randint(0, _pipe.Schedule.TrainTimesteps, new long[] { b }, ScalarType.Int64, generator: pick);
        var rows = index.data<long>().ToArray();
        var x0 = set.index_select(0, index.to(set.device)).to(_pipe.Device).to(ScalarType.Float32);
        var noise = torch.randn(x0.shape, ScalarType.Float32, generator: noiseGenerator).to(_pipe.Device);
        var tDevice = t.to(_pipe.Device);
        var ab = _alphasCumprod.index_select(0, tDevice).reshape(b, 1, 1, 1);
        var noisy = (ab.sqrt() * x0).Plus(ab.SubtractedFrom(1.0).sqrt() * noise);
        var ids = torch.tensor(rows.SelectMany(r => _pipe.Tokenizer!.EncodePadded(captions[(int)r], out _)).ToArray(),
            new long[] { b, _pipe.Tokenizer!.MaxLength }).to(_pipe.Device);
        var context = _pipe.TextEncoder.Forward(ids).LastHiddenState;
        var output = _pipe.Unet.Forward(noisy.to(_pipe.Dtype), tDevice, context.to(_pipe.Dtype)).to(ScalarType.Float32);
        var target = ModelPrediction.TrainingTarget(_pipe.SchedulerConfig.PredictionType, x0, noise, ab);
        return (nn.functional.mse_loss(output, target), (int)t.data<long>()[0]);
    }

    public void SaveCheckpoint(string folder) => AtomicFile.WriteFolder(folder, dir =>
    {
        SafetensorsFile.Save(Path.Combine(dir, TrainableFile), _trainable.ToDictionary(p => p.Name, p => (Tensor)p.Param.detach().cpu()));
        _optimizer.Save(Path.Combine(dir, OptimizerFile));
        File.WriteAllText(Path.Combine(dir, StepFile), StepReached.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
    });

    public void LoadCheckpoint(string folder)
    {
        foreach (var f in new[] { TrainableFile, OptimizerFile, StepFile })
            if (!File.Exists(Path.Combine(folder, f))) throw new UserError($"checkpoint {folder}: {f} is missing");
        if (!int.TryParse(File.ReadAllText(Path.Combine(folder, StepFile)).Trim(), out int step) || step < 0)
            throw new UserError($"checkpoint {folder}: {StepFile} does not hold a step number");
        var file = SafetensorsFile.Open(Path.Combine(folder, TrainableFile));
        using (torch.no_grad())
            foreach (var (name, p) in _trainable)
            {
                if (!file.Entries.TryGetValue(name, out var entry) || !entry.Shape.SequenceEqual(p.shape))
                    throw new UserError($"checkpoint {folder}: no tensor '{name}' of shape [{string.Join(",", p.shape)}]; it belongs to " +
                        "another fine-tuning configuration");
                using var loaded = file.Load(name);
                p.copy_(loaded.to(p.dtype).to(p.device));
            }
        _optimizer.Load(Path.Combine(folder, OptimizerFile));
        StepReached = step;
    }

    public void Dispose()
    {
        foreach (var net in _lora) net.Dispose();
        _alphasCumprod.Dispose();
    }
}
