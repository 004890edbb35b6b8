using DreamTime.IO;
using DreamTime.Models.Clip;
using DreamTime.Models.Diffusers;
using DreamTime.Models.Unet;
using DreamTime.Optimization;
using DreamTime.Runtime;
using DreamTime.Training;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace DreamTime.LearnedPrior;

/// <summary>
/// Trains a small text-conditioned pixel-space diffusion model (UNet2DConditionModel + CLIPTextModel, together)
/// on <see cref="PriorTrainingData"/> with the epsilon-prediction MSE, AdamW and an EMA of the weights. Step s
/// uses examples [(s-1) B, s B) and noise and timesteps seeded by (seed, s) only, so a run resumed from a
/// checkpoint (weights, EMA, optimizer moments, step) continues bit for bit.
/// </summary>
public sealed class LearnedPriorTrainer : IStepTrainer, IDisposable
{
    public LearnedPriorConfig Config { get; }
    public Device Device { get; }
    public ClipTokenizer Tokenizer { get; }
    public UNet2DConditionModel Unet { get; }
    public ClipTextModel Text { get; }
    public PriorTrainingData Data { get; }
    /// <summary>Steps completed so far (the next step is Step + 1).</summary>
    public int Step { get; private set; }

    private readonly AdamOptimizer _optimizer;
    private readonly List<(string Name, Parameter Param)> _parameters;
    private readonly Dictionary<string, Tensor> _ema = new();
    private readonly Tensor _alphasCumprod;
    private readonly string _tokenizerFolder;
    private readonly IDisposable _cpuKernels;

    public const string ModelFile = "model.safetensors", EmaFile = "ema.safetensors", OptimizerFile = "optimizer.safetensors",
        StepFile = "step.txt";

    public LearnedPriorTrainer(LearnedPriorConfig config, Device? device = null)
    {
        config.Validate();
        Config = config;
        Device = device ?? torch.CPU;
        // for the trainer's whole life: its forward passes (evaluation loss, sampling) came out non-finite too
        _cpuKernels = TorchRuntime.WithoutOneDnnConvolutions();
        _tokenizerFolder = Directory.CreateTempSubdirectory("dt-prior-tokenizer-").FullName;
        Tokenizer = LearnedPriorTokenizer.WriteAndLoad(_tokenizerFolder);
        Unet = new UNet2DConditionModel(config.UnetConfig());
        Text = new ClipTextModel(config.TextConfig(Tokenizer));
        using (var init = Seeds.Generator(config.Seed, 0, 0x1417))
        {
            InitialiseWeights(Unet, init);
            InitialiseWeights(Text, init);
        }
        Unet.to(Device); Text.to(Device);
        Unet.train(); Text.train();
        _parameters = Unet.named_parameters().Select(p => ("unet." + p.name, p.parameter))
            .Concat(Text.named_parameters().Select(p => ("text." + p.name, p.parameter))).ToList();
        // decay the weight matrices and kernels, not biases, norms' scales or embeddings (the usual AdamW split)
        bool Decays((string Name, Parameter Param) p) => p.Param.dim() >= 2 && !p.Name.Contains("embedding");
        var adam = new OptimizerSettings(config.AdamBeta1, config.AdamBeta2, config.AdamEps);
        _optimizer = new AdamOptimizer(new[]
        {
            new AdamOptimizer.Group("decay", _parameters.Where(Decays).ToList(), config.LearningRate,
                adam with { WeightDecay = config.WeightDecay }),
            new AdamOptimizer.Group("no_decay", _parameters.Where(p => !Decays(p)).ToList(), config.LearningRate, adam),
        });
        using (torch.no_grad())
            foreach (var (name, p) in _parameters) _ema[name] = p.detach().clone().DetachFromDisposeScope();
        _alphasCumprod = torch.tensor(LearnedPriorConfig.Schedule.AlphasCumprod).to(Device).DetachFromDisposeScope();
        Data = new PriorTrainingData(config.Seed, config.ImageSize, config.EmptyCaptionRate, tokenizer: Tokenizer);
    }

    /// <summary>
    /// Draws every parameter from the run's own generator, in parameter order: the modules' constructors draw from
    /// torch's global generator, which anything else in the process (another run, a test in parallel) also advances,
    /// so a seeded fresh run would not be repeatable. Weights and biases are U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as
    /// PyTorch's Linear and Conv2d defaults give; norms start at scale 1, shift 0.
    /// </summary>
    internal static void InitialiseWeights(nn.Module module, Generator generator)
    {
        using var _ = torch.no_grad();
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in parameters)
        {
            var weight = name.EndsWith(".bias") && parameters.TryGetValue(name[..^".bias".Length] + ".weight", out var w) ? w : p;
            if (weight.dim() < 2) continue; // norm scales and shifts: set below
            long fanIn = weight.numel() / weight.shape[0];
            double bound = 1 / Math.Sqrt(fanIn);
            p.copy_(torch.rand(p.shape, generator: generator).Times(2).Minus(1).Times(bound));
        }
        InitialiseNorms(module);
    }

    /// <summary>
    /// TorchSharp's GroupNorm leaves its affine parameters as uninitialised memory (values up to 1e32, or NaN):
    /// a freshly built model must start from PyTorch's defaults, scale 1 and shift 0, as every norm does there.
    /// </summary>
    internal static void InitialiseNorms(nn.Module module)
    {
        using var _ = torch.no_grad();
        foreach (var (_, m) in module.named_modules())
            if (m is TorchSharp.Modules.GroupNorm or TorchSharp.Modules.LayerNorm)
                foreach (var (name, p) in m.named_parameters(recurse: false))
                    if (name == "weight") p.fill_(Scalars.Of(1)); else if (name == "bias") p.zero_();
    }

    /// <summary>
    /// Starts from a saved model's weights (raw and EMA alike) instead of the random initialisation; its UNet and
    /// text encoder must have this configuration's shapes.
    /// </summary>
    public void InitialiseFrom(string modelFolder)
    {
        using var pipe = StableDiffusionPipeline.Load(modelFolder);
        using var _ = torch.no_grad();
        var covered = new HashSet<string>();
        foreach (var (prefix, source) in new (string, nn.Module)[] { ("unet.", pipe.Unet), ("text.", pipe.TextEncoder) })
            foreach (var (name, p) in source.named_parameters())
            {
                var key = prefix + name;
                var target = _parameters.FirstOrDefault(x => x.Name == key).Param
                    ?? throw new UserError("init_model",
                        $"{modelFolder} has a parameter '{key}' this configuration does not; train with the model's channels");
                if (!target.shape.SequenceEqual(p.shape))
                    throw new UserError("init_model",
                        $"{modelFolder}: '{key}' has shape [{string.Join(",", p.shape)}], this configuration needs " +
                        $"[{string.Join(",", target.shape)}]; train with the model's channels");
                target.copy_(p);
                _ema[key].copy_(p);
                covered.Add(key);
            }
        // a part the model lacks would silently keep its random start and perturb the model it continues
        if (_parameters.FirstOrDefault(x => !covered.Contains(x.Name)).Name is string missing)
            throw new UserError("init_model",
                $"{modelFolder} has no parameter '{missing}', which this configuration needs; not a model of this architecture");
    }

    /// <summary>Runs step Step + 1 and returns its loss (mean squared error of the predicted noise) and mean timestep.</summary>
    /// <exception cref="TrainingDivergedException">the loss or a gradient is not finite; nothing was updated</exception>
    public (double Loss, double MeanT) TrainStep()
    {
        int step = Step + 1;
        using var scope = torch.NewDisposeScope();
        int b = Config.BatchSize;
        var (x0, captions) = Data.Batch((step - 1) * b, b);
        return TrainOn(x0, captions);
    }

    int IStepTrainer.StepReached => Step;

    /// <summary>The step as the training loop logs it: the loss as "mse", the learning rate and the batch's mean t as stats.</summary>
    StepRecord IStepTrainer.TrainStep(int step)
    {
        if (step != Step + 1) throw new ArgumentException($"step {step}: the trainer is at step {Step}", nameof(step));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (loss, meanT) = TrainStep();
        return new StepRecord(Step, (int)Math.Round(meanT), loss, new Dictionary<string, double> { ["mse"] = loss },
            new Dictionary<string, double> { ["lr"] = CurrentLearningRate, ["mean_t"] = meanT }, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Step Step + 1 on a batch already rendered (the benchmark times rendering and the update apart).</summary>
    public (double Loss, double MeanT) TrainOn(Tensor x0, string[] captions)
    {
        int step = Step + 1;
        using var scope = torch.NewDisposeScope();
        var (loss, t) = LossOn(x0, captions, Config.Seed, step);
        double value = loss.item<float>();
        if (!double.IsFinite(value)) throw new TrainingDivergedException(step, "loss");
        _optimizer.ZeroGrad();
        loss.backward();
        if (_optimizer.FirstNonFiniteGradient() is string bad) throw new TrainingDivergedException(step, "gradient of " + bad);
        _optimizer.LearningRateScale = Config.LearningRateFactor(step);
        _optimizer.Step();
        UpdateEma(step);
        Step = step;
        return (value, t.to(ScalarType.Float64).mean().item<double>());
    }

    /// <summary>
    /// The loss on examples [first, first + count) with timesteps and noise from (seed, stream); no update, no
    /// gradient. A fixed evaluation batch shows progress without the noise of each step's fresh batch.
    /// </summary>
    public double EvaluationLoss(int first, int count, int seed, int stream = -1)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        return BatchLoss(first, count, seed, stream).Loss.item<float>();
    }

    // The epsilon-prediction MSE of examples [first, first + count); t and noise are drawn on the CPU from
    // (seed, stream) generators, so a batch depends neither on the device nor on earlier steps.
    private (Tensor Loss, Tensor T) BatchLoss(int first, int count, int seed, int stream)
    {
        var (x0, captions) = Data.Batch(first, count);
        return LossOn(x0, captions, seed, stream);
    }

    private (Tensor Loss, Tensor T) LossOn(Tensor x0, string[] captions, int seed, int stream)
    {
        int count = captions.Length;
        var ids = torch.tensor(captions.SelectMany(c => Tokenizer.EncodePadded(c, out _)).ToArray(),
            new long[] { count, Tokenizer.MaxLength }).to(Device);
        var t = torch.randint(0, LearnedPriorConfig.Schedule.TrainTimesteps, new long[] { count }, dtype: ScalarType.Int64,
            generator: Seeds.Generator(seed, stream, 1));
        var noise = Noise(x0.shape, seed, stream);
        x0 = x0.to(Device); noise = noise.to(Device); t = t.to(Device);
        var ab = _alphasCumprod.index_select(0, t).view(count, 1, 1, 1);
        var xt = (ab.sqrt() * x0).Plus(ab.SubtractedFrom(1).sqrt() * noise);
        var context = Text.Forward(ids).LastHiddenState;
        var pred = Unet.Forward(xt, t, context);
        return (torch.nn.functional.mse_loss(pred, noise), t);
    }

    /// <summary>The training noise of a batch: standard normal, plus
    /// <see cref="LearnedPriorConfig.OffsetNoise"/> times one draw per image and channel.</summary>
    internal Tensor Noise(long[] shape, int seed, int stream)
    {
        var noise = torch.randn(shape, generator: Seeds.Generator(seed, stream, 2));
        if (Config.OffsetNoise == 0) return noise;
        return noise.Plus(torch.randn(new[] { shape[0], shape[1], 1, 1 }, generator: Seeds.Generator(seed, stream, 3))
            .Times(Config.OffsetNoise));
    }

    public double CurrentLearningRate => Config.LearningRate * Config.LearningRateFactor(Math.Max(1, Step));

    private void UpdateEma(int step)
    {
        double decay = Math.Min(Config.EmaDecay, (1.0 + step) / (10.0 + step));
        using var _ = torch.no_grad();
        using var keep = decay.ToScalar();
        using var blend = (1 - decay).ToScalar();
        foreach (var (name, p) in _parameters) _ema[name].mul_(keep).add_(p.detach(), alpha: blend);
    }

    /// <summary>New modules (on the CPU, eval mode) holding the EMA weights: the model used for inference.</summary>
    public (UNet2DConditionModel Unet, ClipTextModel Text) EmaModels()
    {
        var unet = new UNet2DConditionModel(Unet.Config);
        var text = new ClipTextModel(Text.Config);
        using (torch.no_grad())
        {
            foreach (var (name, p) in unet.named_parameters()) p.copy_(_ema["unet." + name]);
            foreach (var (name, p) in text.named_parameters()) p.copy_(_ema["text." + name]);
        }
        unet.eval(); text.eval();
        return (unet, text);
    }

    /// <summary>The EMA model as a pixel-space diffusers folder (model_index.json,
    /// unet/, text_encoder/, tokenizer/, scheduler/), written atomically.</summary>
    public void SaveModel(string folder)
    {
        var (mean, std) = Data.ChannelStatistics();
        var scheduler = LearnedPriorConfig.SchedulerConfig() with { DataChannelMean = mean, DataChannelStd = std };
        var (unet, text) = EmaModels();
        using (unet) using (text)
            DiffusersWriter.SavePixelSpace(folder, Tokenizer, text, unet, scheduler, Config.ModelScalarType);
    }

    /// <summary>Weights, EMA, optimizer state and step into a folder that replaces <paramref name="folder"/> whole.</summary>
    public void SaveCheckpoint(string folder)
    {
        AtomicFile.WriteFolder(folder, dir =>
        {
            SafetensorsFile.Save(Path.Combine(dir, ModelFile), _parameters.ToDictionary(p => p.Name, p => (Tensor)p.Param.detach().cpu()));
            SafetensorsFile.Save(Path.Combine(dir, EmaFile), _ema.ToDictionary(kv => kv.Key, kv => kv.Value.cpu()));
            _optimizer.Save(Path.Combine(dir, OptimizerFile));
            File.WriteAllText(Path.Combine(dir, StepFile), Step.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        });
    }

    /// <summary>Restores a checkpoint written by <see cref="SaveCheckpoint"/> for this configuration.</summary>
    public void LoadCheckpoint(string folder)
    {
        foreach (var f in new[] { ModelFile, EmaFile, OptimizerFile, StepFile })
            if (!File.Exists(Path.Combine(folder, f)))
                throw new UserError($"checkpoint {folder}: {f} is missing; not a learned-prior checkpoint");
        if (!int.TryParse(File.ReadAllText(Path.Combine(folder, StepFile)).Trim(), out int step) || step < 0)
            throw new UserError($"checkpoint {folder}: {StepFile} does not hold a step number");
        using (torch.no_grad())
        {
            LoadInto(Path.Combine(folder, ModelFile), _parameters.Select(p => (p.Name, (Tensor)p.Param)));
            LoadInto(Path.Combine(folder, EmaFile), _ema.Select(kv => (kv.Key, kv.Value)));
        }
        _optimizer.Load(Path.Combine(folder, OptimizerFile));
        Step = step;
    }

    private static void LoadInto(string path, IEnumerable<(string Name, Tensor Target)> targets)
    {
        var file = SafetensorsFile.Open(path);
        foreach (var (name, target) in targets)
        {
            if (!file.Contains(name)) throw new UserError($"{path}: no tensor '{name}'; the checkpoint belongs to another configuration");
            using var t = file.Load(name);
            if (!t.shape.SequenceEqual(target.shape))
                throw new UserError($"{path}: '{name}' has shape [{string.Join(",", t.shape)}], this configuration needs " +
                    $"[{string.Join(",", target.shape)}]");
            target.copy_(t);
        }
    }

    /// <summary>All trained parameters and EMA tensors by name (for comparing runs).</summary>
    public IReadOnlyDictionary<string, Tensor> StateForComparison() =>
        _parameters.ToDictionary(p => p.Name, p => (Tensor)p.Param)
            .Concat(_ema.Select(kv => new KeyValuePair<string, Tensor>("ema." + kv.Key, kv.Value)))
            .ToDictionary(kv => kv.Key, kv => kv.Value);

    public void Dispose()
    {
        Unet.Dispose(); Text.Dispose();
        foreach (var t in _ema.Values) t.Dispose();
        _alphasCumprod.Dispose();
        try { Directory.Delete(_tokenizerFolder, true); } catch (IOException) { }
        _cpuKernels.Dispose();
    }
}
