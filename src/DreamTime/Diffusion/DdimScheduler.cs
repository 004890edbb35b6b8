using DreamTime.Models.Diffusers;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Diffusion;

/// <summary>The scheduler_config.json fields DDIM uses, with diffusers' DDIMScheduler defaults.</summary>
public sealed record DdimConfig
{
    public static readonly string[] SpacingNames = { "leading", "trailing", "linspace" };
    public static readonly string[] PredictionTypes = ModelPrediction.Types;

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
    public static DdimConfig From(ConfigJson c)
    {
        c.RequireUnset("trained_betas", "explicit beta lists");
        if (c.Bool("thresholding", false)) throw new UserError($"{c.Path}: 'thresholding' = true is not supported");
        if (c.Bool("rescale_betas_zero_snr", false)) throw new UserError($"{c.Path}: 'rescale_betas_zero_snr' = true is not supported");
        var cfg = new DdimConfig
        {
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
        return cfg;
    }

    /// <summary>The scheduler_config.json diffusers writes for a DDIMScheduler with these fields (and <see cref="From"/> reads back).</summary>
    public System.Text.Json.Nodes.JsonObject ToJson() => new()
    {
        ["_class_name"] = "DDIMScheduler",
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
}

/// <summary>
/// diffusers' DDIMScheduler with eta = 0 (deterministic): SetTimesteps picks the inference timesteps,
/// Step maps x_t to x_{t - T/n} from the model output (epsilon, v or x0 prediction).
/// </summary>
public sealed class DdimScheduler
{
    public DdimConfig Config { get; }
    public NoiseSchedule Schedule { get; }
    public int[] Timesteps { get; private set; } = Array.Empty<int>();
    public int InferenceSteps { get; private set; }
    /// <summary>DDIM starts from unit-variance noise.</summary>
    public double InitNoiseSigma => 1.0;

    private readonly double _finalAlphaCumprod;

    public DdimScheduler(DdimConfig config)
    {
        Config = config;
        Schedule = new NoiseSchedule(config.BetaSchedule, config.TrainTimesteps, config.BetaStart, config.BetaEnd);
        _finalAlphaCumprod = config.SetAlphaToOne ? 1.0 : Schedule.AlphasCumprod[0];
    }

    public int[] SetTimesteps(int steps)
    {
        int T = Config.TrainTimesteps;
        if (steps < 1 || steps > T) throw new UserError($"--steps {steps}: must be in [1, {T}] (the scheduler's num_train_timesteps)");
        InferenceSteps = steps;
        int[] ts;
        switch (Config.TimestepSpacing)
        {
            case "linspace":
                // round(linspace(0, T-1, n)) in descending order
                ts = Enumerable.Range(0, steps).Select(i => (int)Math.Round(steps == 1 ? 0 : (T - 1) * (double)i / (steps - 1), MidpointRounding.ToEven)).Reverse().ToArray();
                break;
            case "leading":
            {
                int ratio = T / steps;
                ts = Enumerable.Range(0, steps).Select(i => i * ratio + Config.StepsOffset).Reverse().ToArray();
                break;
            }
            default: // trailing: round(arange(T, 0, -T/n)) - 1
            {
                double ratio = (double)T / steps;
                ts = Enumerable.Range(0, steps).Select(i => (int)Math.Round(T - i * ratio, MidpointRounding.ToEven) - 1).ToArray();
                break;
            }
        }
        if (ts.Any(t => t < 0 || t >= T)) throw new UserError($"--steps {steps}: scheduler config gives timesteps outside [0, {T}) (steps_offset {Config.StepsOffset})");
        Timesteps = ts;
        return ts;
    }

    /// <summary>One deterministic DDIM step (eta = 0) from timestep t to t - T/n.</summary>
    public Tensor Step(Tensor modelOutput, int timestep, Tensor sample)
    {
        if (InferenceSteps == 0) throw new InvalidOperationException("SetTimesteps must be called before Step");
        int prev = timestep - Config.TrainTimesteps / InferenceSteps;
        // float32 scalars as in the reference, where alphas_cumprod is a float32 tensor
        float alphaProd = Schedule.AlphasCumprod[timestep];
        float alphaProdPrev = prev >= 0 ? Schedule.AlphasCumprod[prev] : (float)_finalAlphaCumprod;
        var (eps, x0) = ModelPrediction.ToEpsilonAndX0(Config.PredictionType, modelOutput, sample, alphaProd);
        if (Config.ClipSample) x0 = x0.clamp(-Config.ClipSampleRange, Config.ClipSampleRange);
        return MathF.Sqrt(alphaProdPrev) * x0 + MathF.Sqrt(1f - alphaProdPrev) * eps;
    }
}
