using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Diffusion;

/// <summary>
/// What the samplers share: the scheduler config and its noise table, the inference timesteps, and the model
/// output read as (epsilon, x0_hat) at a timestep (x0_hat clipped as the config says).
/// </summary>
public abstract class DenoisingScheduler : IDenoisingScheduler
{
    public SchedulerConfig Config { get; }
    public NoiseSchedule Schedule { get; }
    public int[] Timesteps { get; private set; } = Array.Empty<int>();
    public int InferenceSteps { get; private set; }
    /// <summary>Both samplers start from unit-variance noise.</summary>
    public double InitNoiseSigma => 1.0;

    protected DenoisingScheduler(SchedulerConfig config)
    {
        Config = config;
        Schedule = NoiseSchedule.From(config);
    }

    public int[] SetTimesteps(int steps)
    {
        Timesteps = Config.InferenceTimesteps(steps);
        InferenceSteps = steps;
        return Timesteps;
    }

    public abstract Tensor Step(Tensor modelOutput, int timestep, Tensor sample);

    /// <summary>
    /// alphas_cumprod at <paramref name="timestep"/> and at the strided previous timestep t - T/n, or
    /// <paramref name="pastTable"/> when that falls before the table; float32 scalars as in the reference, where
    /// alphas_cumprod is a float32 tensor.
    /// </summary>
    protected (float AlphaProd, float AlphaProdPrev) AlphaProds(int timestep, float pastTable)
    {
        if (InferenceSteps == 0) throw new InvalidOperationException("SetTimesteps must be called before Step");
        int prev = timestep - Config.TrainTimesteps / InferenceSteps;
        return (Schedule.AlphasCumprod[timestep], prev >= 0 ? Schedule.AlphasCumprod[prev] : pastTable);
    }

    /// <summary>The model output as (epsilon, x0_hat) at alphas_cumprod
    /// <paramref name="alphaProd"/>, x0_hat clipped when the config says so.</summary>
    protected (Tensor Epsilon, Tensor X0) Predict(Tensor modelOutput, Tensor sample, float alphaProd)
    {
        var (eps, x0) = ModelPrediction.ToEpsilonAndX0(Config.PredictionType, modelOutput, sample, alphaProd);
        if (Config.ClipSample) x0 = x0.ClampedTo(-Config.ClipSampleRange, Config.ClipSampleRange);
        return (eps, x0);
    }
}
