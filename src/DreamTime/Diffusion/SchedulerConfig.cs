using DreamTime.Models.Diffusers;
using DreamTime.Runtime;

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
        };
        if (!PredictionTypes.Contains(cfg.PredictionType)) throw new UserError($"{c.Path}: prediction_type \"{cfg.PredictionType}\" is not supported; allowed: {string.Join(", ", PredictionTypes)}");
        if (!SpacingNames.Contains(cfg.TimestepSpacing)) throw new UserError($"{c.Path}: timestep_spacing \"{cfg.TimestepSpacing}\" is not supported; allowed: {string.Join(", ", SpacingNames)}");
        if (!NoiseSchedule.BetaScheduleNames.Contains(cfg.BetaSchedule)) throw new UserError($"{c.Path}: beta_schedule \"{cfg.BetaSchedule}\" is not supported; allowed: {string.Join(", ", NoiseSchedule.BetaScheduleNames)}");
        if (cfg.ClassName == DdpmClass && cfg.VarianceType != "fixed_small")
            throw new UserError($"{c.Path}: variance_type \"{cfg.VarianceType}\" is not supported; allowed: fixed_small");
        return cfg;
    }

    public const string DdimSampler = "ddim", DdpmSampler = "ddpm";
    public static readonly string[] SamplerNames = { DdimSampler, DdpmSampler };

    /// <summary>The sampler this configuration asks for: "ddpm" for a DDPMScheduler, "ddim" otherwise.</summary>
    public string Sampler => ClassName == DdpmClass ? DdpmSampler : DdimSampler;

    /// <summary>This noise table with another sampler's class name (`--scheduler`).</summary>
    public SchedulerConfig WithSampler(string sampler) => sampler switch
    {
        DdimSampler => this with { ClassName = DdimClass },
        DdpmSampler => this with { ClassName = DdpmClass },
        _ => throw new UserError($"--scheduler {sampler}: not a sampler; allowed: {string.Join(", ", SamplerNames)}"),
    };

    /// <summary>
    /// The inference timesteps of diffusers' set_timesteps(n) for this spacing, descending; DDIM and DDPM share
    /// them, and both step from t to t - T/n.
    /// </summary>
    public int[] InferenceTimesteps(int steps)
    {
        int T = TrainTimesteps;
        if (steps < 1 || steps > T) throw new UserError($"--steps {steps}: must be in [1, {T}] (the scheduler's num_train_timesteps)");
        int[] ts;
        switch (TimestepSpacing)
        {
            case "linspace":
                // round(linspace(0, T-1, n)) in descending order
                ts = Enumerable.Range(0, steps).Select(i => (int)Math.Round(steps == 1 ? 0 : (T - 1) * (double)i / (steps - 1), MidpointRounding.ToEven)).Reverse().ToArray();
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
        if (ts.Any(t => t < 0 || t >= T)) throw new UserError($"--steps {steps}: scheduler config gives timesteps outside [0, {T}) (steps_offset {StepsOffset})");
        return ts;
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
        return json;
    }
}
