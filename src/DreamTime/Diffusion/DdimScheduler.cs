using DreamTime.Models.Diffusers;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Diffusion;

/// <summary>
/// diffusers' DDIMScheduler with eta = 0 (deterministic): SetTimesteps picks the inference timesteps,
/// Step maps x_t to x_{t - T/n} from the model output (epsilon, v or x0 prediction).
/// </summary>
public sealed class DdimScheduler : IDenoisingScheduler
{
    public SchedulerConfig Config { get; }
    public NoiseSchedule Schedule { get; }
    public int[] Timesteps { get; private set; } = Array.Empty<int>();
    public int InferenceSteps { get; private set; }
    /// <summary>DDIM starts from unit-variance noise.</summary>
    public double InitNoiseSigma => 1.0;

    private readonly double _finalAlphaCumprod;

    public DdimScheduler(SchedulerConfig config)
    {
        Config = config;
        Schedule = new NoiseSchedule(config.BetaSchedule, config.TrainTimesteps, config.BetaStart, config.BetaEnd);
        _finalAlphaCumprod = config.SetAlphaToOne ? 1.0 : Schedule.AlphasCumprod[0];
    }

    public int[] SetTimesteps(int steps)
    {
        Timesteps = Config.InferenceTimesteps(steps);
        InferenceSteps = steps;
        return Timesteps;
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
