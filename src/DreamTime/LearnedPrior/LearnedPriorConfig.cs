using System.Text.Json;
using System.Text.Json.Serialization;
using DreamTime.Diffusion;
using DreamTime.Models.Clip;
using DreamTime.Models.Unet;
using DreamTime.Runtime;

namespace DreamTime.LearnedPrior;

/// <summary>
/// Everything that decides a learned-prior training run (saved as config.json beside its outputs; a resumed run
/// reads it back). The defaults are the configuration: 32x32 RGB, UNet (32, 64, 64) with one layer per
/// block and cross-attention below the top level, a 2-layer CLIP text model of width 128 over 16 tokens, AdamW,
/// batch 32, warm-up then cosine decay, EMA weights for inference.
/// </summary>
public sealed record LearnedPriorConfig
{
    public int Steps { get; init; } = 6000;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 5e-4;
    /// <summary>Steps of linear warm-up from 0 to the learning rate; then cosine decay to MinLearningRateRatio of it.</summary>
    public int WarmupSteps { get; init; } = 200;
    public double MinLearningRateRatio { get; init; } = 0.05;
    public double WeightDecay { get; init; } = 0.01;
    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.999;
    public double AdamEps { get; init; } = 1e-8;
    /// <summary>EMA decay; early steps use min(decay, (1 + step) / (10 + step)) so the average forgets the random start.</summary>
    public double EmaDecay { get; init; } = 0.999;
    public int ImageSize { get; init; } = 32;
    public int[] Channels { get; init; } = { 32, 64, 64 };
    public int TextHidden { get; init; } = 128;
    public int TextLayers { get; init; } = 2;
    public int TextHeads { get; init; } = 4;
    /// <summary>
    /// Adds the attention-pooled caption embedding to the timestep embedding (diffusers' addition_embed_type
    /// "text"), so every ResNet block sees the caption. Without it, cross-attention alone carried so little of the
    /// caption after 3,500 steps that samples ignored it (x0 only 0.2-0.6 dB better with the caption than without).
    /// </summary>
    public bool AddTextEmbedding { get; init; } = true;
    public double EmptyCaptionRate { get; init; } = 0.1;
    /// <summary>
    /// Offset noise (Guttenberg, 2023): the training noise gets one extra normal draw per image and channel, times
    /// this, added to every pixel. At 32x32 a channel mean of plain noise has a standard deviation of 1/32, so the
    /// loss barely weighs the noise's mean colour, and errors there become the tinted backgrounds of the samples
    /// (an error of 0.03 in the predicted noise's channel mean is one of 0.4 in x0's at the first step). 0: none,
    /// the recipe of the shipped model's first 5,800 steps.
    /// </summary>
    public double OffsetNoise { get; init; }
    public int Seed { get; init; }
    public int CheckpointEvery { get; init; } = 250;
    /// <summary>The sample grid drawn at the end: seeds per family, sampler steps (the model's DDPM), guidance scale.</summary>
    public int SampleSeeds { get; init; } = 4;
    public int SampleSteps { get; init; } = 100;
    public double SampleGuidance { get; init; } = 5.0;
    public string Device { get; init; } = "cpu";
    /// <summary>
    /// A learned-prior model folder whose weights start the training instead of random ones (a fresh optimizer
    /// and schedule): how a later session continues a shipped model, whose optimizer state is not shipped.
    /// </summary>
    public string? InitModel { get; init; }
    /// <summary>
    /// How the model folder stores its weights: "float16" halves the files (the text encoder's 49,408-token
    /// embedding is most of them) and loads as float32; "float32" keeps the trained values bit for bit.
    /// </summary>
    public string ModelDtype { get; init; } = "float16";

    public TorchSharp.torch.ScalarType ModelScalarType => ScalarTypeOf(ModelDtype);

    /// <summary>The one check of a model_dtype: "float16" or "float32".</summary>
    public static TorchSharp.torch.ScalarType ScalarTypeOf(string dtype) => dtype switch
    {
        "float16" => TorchSharp.torch.ScalarType.Float16,
        "float32" => TorchSharp.torch.ScalarType.Float32,
        _ => throw new UserError("model_dtype", $"{dtype}: use float16 or float32"),
    };

    /// <summary>The noise table the model is trained on: Stable Diffusion's, so TP-SDS's timestep knobs keep their meaning.</summary>
    public static NoiseSchedule Schedule => NoiseSchedule.StableDiffusion;

    public void Validate()
    {
        if (Steps < 1) throw new UserError("steps", $"is {Steps}; must be at least 1");
        if (BatchSize < 1 || BatchSize > 4096) throw new UserError("batch_size", $"is {BatchSize}; must be between 1 and 4096");
        if (!(LearningRate > 0 && double.IsFinite(LearningRate)))
            throw new UserError("learning_rate", $"is {LearningRate}; must be a positive number");
        if (WarmupSteps < 0) throw new UserError("warmup_steps", $"is {WarmupSteps}; must be 0 or more");
        if (!(MinLearningRateRatio >= 0 && MinLearningRateRatio <= 1))
            throw new UserError("min_learning_rate_ratio", $"is {MinLearningRateRatio}; must be in [0, 1]");
        if (!(WeightDecay >= 0 && double.IsFinite(WeightDecay)))
            throw new UserError("weight_decay", $"is {WeightDecay}; must be 0 or more");
        if (!(EmaDecay >= 0 && EmaDecay < 1)) throw new UserError("ema_decay", $"is {EmaDecay}; must be in [0, 1)");
        if (ImageSize < 8 || ImageSize > 256) throw new UserError("image_size", $"is {ImageSize}; must be between 8 and 256");
        if (Channels == null || Channels.Length < 2 || Channels.Length > 5)
            throw new UserError("channels", $"{Describe(Channels)}: give 2 to 5 widths, e.g. 32,64,64");
        if (Channels.Any(c => c < 8 || c > 1024 || c % 8 != 0))
            throw new UserError("channels", $"{Describe(Channels)}: every width must be a multiple of 8 between 8 and 1024");
        if (ImageSize % (1 << (Channels.Length - 1)) != 0)
            throw new UserError("image_size",
                $"is {ImageSize}; must be divisible by {1 << (Channels.Length - 1)} for {Channels.Length} UNet levels");
        if (TextHidden < 8 || TextHeads < 1 || TextHidden % TextHeads != 0)
            throw new UserError("text_hidden", $"is {TextHidden}; must be at least 8 and a multiple of text_heads {TextHeads}");
        if (TextLayers < 1 || TextLayers > 24) throw new UserError("text_layers", $"is {TextLayers}; must be between 1 and 24");
        if (!(EmptyCaptionRate >= 0 && EmptyCaptionRate < 1))
            throw new UserError("empty_caption_rate", $"is {EmptyCaptionRate}; must be in [0, 1)");
        if (!(OffsetNoise >= 0 && OffsetNoise <= 1)) throw new UserError("offset_noise", $"is {OffsetNoise}; must be in [0, 1]");
        if (CheckpointEvery < 1) throw new UserError("checkpoint_every", $"is {CheckpointEvery}; must be at least 1");
        if (SampleSeeds < 0 || SampleSeeds > 16) throw new UserError("sample_seeds", $"is {SampleSeeds}; must be between 0 and 16");
        if (SampleSteps < 1) throw new UserError("sample_steps", $"is {SampleSteps}; must be at least 1");
        _ = ModelScalarType;
        if (!double.IsFinite(SampleGuidance)) throw new UserError("sample_guidance", $"is {SampleGuidance}; must be a finite number");
    }

    /// <summary>Parses "32,64,64" (comma-separated channel widths).</summary>
    public static int[] ParseChannels(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var result = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture,
                out result[i]))
                throw new UserError("channels", $"{text}: '{parts[i]}' is not a whole number; give comma-separated widths, e.g. 32,64,64");
        return result;
    }

    private static string Describe(int[]? c) => c == null ? "(none)" : string.Join(",", c);

    /// <summary>
    /// UNet2DConditionModel: RGB in and out, one ResNet layer per block, self- and cross-attention in every block
    /// but the top (full-resolution) one and in the mid block, heads of width 32 (at least one).
    /// </summary>
    public UNetConfig UnetConfig()
    {
        int n = Channels.Length;
        int groups = Channels.Aggregate(Gcd);
        return new UNetConfig
        {
            SampleSize = ImageSize,
            InChannels = 3,
            OutChannels = 3,
            DownBlockTypes = Enumerable.Range(0, n).Select(i => i == 0 ? "DownBlock2D" : "CrossAttnDownBlock2D").ToArray(),
            UpBlockTypes = Enumerable.Range(0, n).Select(j => j == n - 1 ? "UpBlock2D" : "CrossAttnUpBlock2D").ToArray(),
            OnlyCrossAttention = new bool[n],
            BlockOutChannels = Channels.ToArray(),
            LayersPerBlock = Enumerable.Repeat(1, n).ToArray(),
            NormNumGroups = Math.Min(32, groups),
            CrossAttentionDim = Enumerable.Repeat(TextHidden, n).ToArray(),
            TransformerLayersPerBlock = Enumerable.Repeat(1, n).ToArray(),
            AttentionHeads = Channels.Select(c => Math.Max(1, c / 32)).ToArray(),
            AdditionEmbedType = AddTextEmbedding ? "text" : null,
            AdditionEmbedTypeNumHeads = TextHeads,
        };
    }

    /// <summary>
    /// This configuration with the architecture switches a saved model was trained with (today: whether its UNet
    /// adds the pooled caption to the timestep embedding), so `--init` continues that model instead of growing it.
    /// </summary>
    public LearnedPriorConfig WithArchitectureOf(string modelFolder)
    {
        var unet = UNetConfig.From(Models.Diffusers.DiffusersFolder.Open(modelFolder).ComponentConfig("unet", "config.json",
            "UNet2DConditionModel"));
        return this with { AddTextEmbedding = unet.AdditionEmbedType == "text" };
    }

    public ClipTextConfig TextConfig(ClipTokenizer tokenizer) => new()
    {
        VocabSize = tokenizer.VocabSize,
        HiddenSize = TextHidden,
        IntermediateSize = 4 * TextHidden,
        NumHiddenLayers = TextLayers,
        NumAttentionHeads = TextHeads,
        MaxPositionEmbeddings = tokenizer.MaxLength,
        EosTokenId = tokenizer.EosId,
    };

    /// <summary>
    /// DDPM (ancestral) sampling over Stable Diffusion's table; samples are images, so x0 is clipped to [-1, 1].
    /// DDPM rather than DDIM: the shipped model's DDIM samples ended in coloured pixel noise and only 15% of them
    /// matched their family, its DDPM samples are clean (see README, "Learned prior").
    /// </summary>
    public static SchedulerConfig SchedulerConfig() => new()
    {
        ClassName = Diffusion.SchedulerConfig.DdpmClass,
        BetaSchedule = "scaled_linear",
        BetaStart = 0.00085,
        BetaEnd = 0.012,
        ClipSample = true,
        ClipSampleRange = 1.0,
        SetAlphaToOne = false,
        StepsOffset = 1,
    };

    /// <summary>Learning-rate factor for step s (1-based): linear warm-up,
    /// then cosine from 1 to MinLearningRateRatio at the last step.</summary>
    public double LearningRateFactor(int step)
    {
        if (step <= WarmupSteps) return (double)step / (WarmupSteps + 1);
        double progress = Steps > WarmupSteps + 1 ? (double)(step - WarmupSteps - 1) / (Steps - WarmupSteps - 1) : 1;
        progress = Math.Clamp(progress, 0, 1);
        return MinLearningRateRatio + (1 - MinLearningRateRatio) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    public static LearnedPriorConfig FromJson(string json, string path)
    {
        try { return JsonSerializer.Deserialize<LearnedPriorConfig>(json, Json) ?? throw new UserError($"{path}: empty training config"); }
        catch (JsonException e) { throw new UserError($"{path}: not a learned-prior training config ({e.Message.Split('\n')[0]})"); }
    }
}
