using DreamTime.IO;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Diffusion;

/// <summary>
/// The scheduler_config.json fields the samplers use, with diffusers' DDIMScheduler defaults. The class name picks
/// the sampler (<see cref="Sampler"/>): DDPMScheduler samples ancestrally (<see cref="DdpmScheduler"/>), every
/// other class (DDIM, PNDM, Euler, ...) with deterministic DDIM (<see cref="DdimScheduler"/>) on its noise table.
/// </summary>
public sealed record SchedulerConfig
{
    public static readonly string[] SpacingNames = { "leading", "trailing", "linspace" };
    public static readonly string[] PredictionTypes = ModelPrediction.Types;
    public const string DdimClass = "DDIMScheduler", DdpmClass = "DDPMScheduler";

    public string ClassName { get; init; } = DdimClass;
    /// <summary>DDPM's posterior variance; only diffusers' default, "fixed_small" (beta-tilde), is supported.</summary>
    public string VarianceType { get; init; } = "fixed_small";

    public int TrainTimesteps { get; init; } = 1000;
    public double BetaStart { get; init; } = 0.0001;
    public double BetaEnd { get; init; } = 0.02;
    public string BetaSchedule { get; init; } = "linear";
    public bool ClipSample { get; init; } = true;
    public double ClipSampleRange { get; init; } = 1.0;
    public bool SetAlphaToOne { get; init; } = true;
    public int StepsOffset { get; init; }
    public string PredictionType { get; init; } = "epsilon";
    public string TimestepSpacing { get; init; } = "leading";

    /// <summary>
    /// Optional statistics of the training images' per-channel spatial means (x0 in the model's space): their mean
    /// and standard deviation over the data. When set, the sampler starts from the forward process's marginal of
    /// those channel means instead of pure noise (<see cref="MatchStartToData"/>). Not a diffusers key: diffusers
    /// ignores it. Learned priors record it at export.
    /// </summary>
    public double[]? DataChannelMean { get; init; }
    public double[]? DataChannelStd { get; init; }

    /// <summary>Reads any diffusers scheduler config (DDIM, PNDM, Euler, ...): the shared keys define the noise table.</summary>
    public static SchedulerConfig From(ConfigJson c)
    {
        c.RequireUnset("trained_betas", "explicit beta lists");
        if (c.Bool("thresholding", false)) throw new UserError($"{c.Path}: 'thresholding' = true is not supported");
        if (c.Bool("rescale_betas_zero_snr", false)) throw new UserError($"{c.Path}: 'rescale_betas_zero_snr' = true is not supported");
        var cfg = new SchedulerConfig
        {
            ClassName = c.String("_class_name", DdimClass)!,
            VarianceType = c.String("variance_type", "fixed_small")!,
            TrainTimesteps = c.Int("num_train_timesteps", 1000),
            BetaStart = c.Double("beta_start", 0.0001),
            BetaEnd = c.Double("beta_end", 0.02),
            BetaSchedule = c.String("beta_schedule", "linear")!,
            ClipSample = c.Bool("clip_sample", true),
            ClipSampleRange = c.Double("clip_sample_range", 1.0),
            SetAlphaToOne = c.Bool("set_alpha_to_one", true),
            StepsOffset = c.Int("steps_offset", 0),
            PredictionType = c.String("prediction_type", "epsilon")!,
            TimestepSpacing = c.String("timestep_spacing", "leading")!,
            DataChannelMean = c.DoubleList("data_channel_mean"),
            DataChannelStd = c.DoubleList("data_channel_std"),
        };
        if ((cfg.DataChannelMean == null) != (cfg.DataChannelStd == null) || cfg.DataChannelMean?.Length != cfg.DataChannelStd?.Length
            || cfg.DataChannelMean?.Length == 0)
            throw new UserError($"{c.Path}: 'data_channel_mean' and 'data_channel_std' must both be given, with one number per channel");
        if (cfg.DataChannelMean != null
            && (cfg.DataChannelMean.Any(v => !double.IsFinite(v)) || cfg.DataChannelStd!.Any(v => !(v >= 0) || !double.IsFinite(v))))
            throw new UserError($"{c.Path}: 'data_channel_mean' must be finite and 'data_channel_std' finite and >= 0");
        if (!PredictionTypes.Contains(cfg.PredictionType))
            throw new UserError($"{c.Path}: prediction_type \"{cfg.PredictionType}\" is not supported; " +
                $"allowed: {string.Join(", ", PredictionTypes)}");
        if (!SpacingNames.Contains(cfg.TimestepSpacing))
            throw new UserError($"{c.Path}: timestep_spacing \"{cfg.TimestepSpacing}\" is not supported; " +
                $"allowed: {string.Join(", ", SpacingNames)}");
        if (!NoiseSchedule.BetaScheduleNames.Contains(cfg.BetaSchedule))
            throw new UserError($"{c.Path}: beta_schedule \"{cfg.BetaSchedule}\" is not supported; " +
                $"allowed: {string.Join(", ", NoiseSchedule.BetaScheduleNames)}");
        if (cfg.ClassName == DdpmClass && cfg.VarianceType != "fixed_small")
            throw new UserError($"{c.Path}: variance_type \"{cfg.VarianceType}\" is not supported; allowed: fixed_small");
        return cfg;
    }

    public const string DdimSampler = "ddim", DdpmSampler = "ddpm";
    public static readonly string[] SamplerNames = { DdimSampler, DdpmSampler };

    /// <summary>The one check of a sampler name (null = the checkpoint's own sampler).</summary>
    public static void RequireSampler(string? sampler)
    {
        if (sampler != null && !SamplerNames.Contains(sampler)) throw NotASampler(sampler);
    }

    private static UserError NotASampler(string sampler) =>
        new("sampler", $"{sampler}: not a sampler; allowed: {string.Join(", ", SamplerNames)}");

    /// <summary>The sampler this configuration asks for: "ddpm" for a DDPMScheduler, "ddim" otherwise.</summary>
    public string Sampler => ClassName == DdpmClass ? DdpmSampler : DdimSampler;

    /// <summary>This noise table with another sampler's class name (`--scheduler`).</summary>
    public SchedulerConfig WithSampler(string sampler) => sampler switch
    {
        DdimSampler => this with { ClassName = DdimClass },
        DdpmSampler => this with { ClassName = DdpmClass },
        _ => throw NotASampler(sampler),
    };

    /// <summary>
    /// The inference timesteps of diffusers' set_timesteps(n) for this spacing, descending; DDIM and DDPM share
    /// them, and both step from t to t - T/n.
    /// </summary>
    public int[] InferenceTimesteps(int steps)
    {
        int T = TrainTimesteps;
        if (steps < 1 || steps > T) throw new UserError("steps", $"is {steps}; must be in [1, {T}] (the scheduler's num_train_timesteps)");
        int[] ts;
        switch (TimestepSpacing)
        {
            case "linspace":
                // round(linspace(0, T-1, n)) in descending order
                ts = Enumerable.Range(0, steps).Select(i =>
                    (int)Math.Round(steps == 1 ? 0 : (T - 1) * (double)i / (steps - 1), MidpointRounding.ToEven)).Reverse().ToArray();
                break;
            case "leading":
                {
                    int ratio = T / steps;
                    ts = Enumerable.Range(0, steps).Select(i => i * ratio + StepsOffset).Reverse().ToArray();
                    break;
                }
            default: // trailing: round(arange(T, 0, -T/n)) - 1
                {
                    double ratio = (double)T / steps;
                    ts = Enumerable.Range(0, steps).Select(i => (int)Math.Round(T - i * ratio, MidpointRounding.ToEven) - 1).ToArray();
                    break;
                }
        }
        if (ts.Any(t => t < 0 || t >= T))
            throw new UserError("steps", $"{steps}: the scheduler config gives timesteps outside [0, {T}) (steps_offset {StepsOffset})");
        return ts;
    }

    /// <summary>
    /// The starting noise with its per-channel spatial means replaced by draws from the forward process's marginal
    /// at the first inference step: sqrt(ab) m + sqrt(ab s^2 + (1 - ab)/(H W)) u per channel, where m and s are the
    /// data statistics and u is the noise's own channel mean standardised (exactly N(0, 1) for Gaussian noise), so the
    /// start stays a deterministic function of the seed's noise. Why: Stable Diffusion's table ends at ab = 0.0047,
    /// not 0, so x_T still carries sqrt(ab) x0, and a small image averages its noise over few pixels (std 1/32 at
    /// 32x32): a model trained on this table reads the image's mean colour off x_T, and pure noise (channel means
    /// near 0) asks it for a grey-tinted image. Returns <paramref name="noise"/> itself when no statistics are set.
    /// </summary>
    public Tensor MatchStartToData(Tensor noise, double alphaBar)
    {
        if (DataChannelMean == null) return noise;
        long channels = noise.shape[1];
        if (channels != DataChannelMean.Length)
            throw new UserError($"scheduler config: data_channel_mean has {DataChannelMean.Length} channels but the model " +
                $"samples {channels}");
        double pixels = noise.shape.Skip(2).Aggregate(1L, (a, b) => a * b);
        using var scope = torch.NewDisposeScope();
        var spatial = Enumerable.Range(2, noise.shape.Length - 2).Select(d => (long)d).ToArray();
        var channelMean = noise.mean(spatial, keepdim: true);
        var viewShape = new long[] { 1, channels }.Concat(Enumerable.Repeat(1L, noise.shape.Length - 2)).ToArray();
        var mean = torch.tensor(DataChannelMean.Select(v => Math.Sqrt(alphaBar) * v).ToArray(), dtype: noise.dtype,
            device: noise.device).view(viewShape);
        var std = torch.tensor(DataChannelStd!.Select(v => Math.Sqrt(alphaBar * v * v + (1 - alphaBar) / pixels)).ToArray(),
            dtype: noise.dtype, device: noise.device).view(viewShape);
        return (noise - channelMean).Plus(mean).Plus(std * channelMean.Times(Math.Sqrt(pixels))).MoveToOuterDisposeScope();
    }

    /// <summary>The scheduler_config.json diffusers writes for this class with these fields (and <see cref="From"/> reads back).</summary>
    public System.Text.Json.Nodes.JsonObject ToJson()
    {
        var json = new System.Text.Json.Nodes.JsonObject
        {
            ["_class_name"] = ClassName,
            ["num_train_timesteps"] = TrainTimesteps,
            ["beta_start"] = BetaStart,
            ["beta_end"] = BetaEnd,
            ["beta_schedule"] = BetaSchedule,
            ["clip_sample"] = ClipSample,
            ["clip_sample_range"] = ClipSampleRange,
            ["set_alpha_to_one"] = SetAlphaToOne,
            ["steps_offset"] = StepsOffset,
            ["prediction_type"] = PredictionType,
            ["timestep_spacing"] = TimestepSpacing,
        };
        if (ClassName == DdpmClass) json["variance_type"] = VarianceType;
        if (DataChannelMean != null)
        {
            json["data_channel_mean"] = new System.Text.Json.Nodes.JsonArray(
                DataChannelMean.Select(v => (System.Text.Json.Nodes.JsonNode?)v).ToArray());
            json["data_channel_std"] = new System.Text.Json.Nodes.JsonArray(
                DataChannelStd!.Select(v => (System.Text.Json.Nodes.JsonNode?)v).ToArray());
        }
        return json;
    }
}
