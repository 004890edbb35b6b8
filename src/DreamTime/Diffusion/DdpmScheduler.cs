using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Diffusion;

/// <summary>
/// diffusers' DDPMScheduler (variance_type "fixed_small"): ancestral sampling. Each step draws x_prev from the
/// posterior q(x_prev | x_t, x0_hat) of the strided step t -> prev = t - T/n, mean
/// sqrt(ab_prev) beta / (1 - ab) x0_hat + sqrt(alpha) (1 - ab_prev) / (1 - ab) x_t and variance
/// (1 - ab_prev) / (1 - ab) beta, where alpha = ab / ab_prev and beta = 1 - alpha (ab_prev = 1 past the table).
/// The fresh noise of each step corrects errors of earlier predictions that deterministic DDIM carries to the end:
/// small pixel-space models sampled with DDIM end in coloured pixel noise.
/// </summary>
public sealed class DdpmScheduler : IDenoisingScheduler
{
    public SchedulerConfig Config { get; }
    public NoiseSchedule Schedule { get; }
    public int[] Timesteps { get; private set; } = Array.Empty<int>();
    public int InferenceSteps { get; private set; }
    public double InitNoiseSigma => 1.0;

    private readonly Generator _noise;

    public DdpmScheduler(SchedulerConfig config, Generator noise)
    {
        Config = config;
        Schedule = new NoiseSchedule(config.BetaSchedule, config.TrainTimesteps, config.BetaStart, config.BetaEnd);
        _noise = noise;
    }

    public int[] SetTimesteps(int steps)
    {
        Timesteps = Config.InferenceTimesteps(steps);
        InferenceSteps = steps;
        return Timesteps;
    }

    /// <summary>The posterior's coefficients of x0_hat and x_t and its variance for the step from <paramref name="timestep"/>.</summary>
    public (float X0Coefficient, float SampleCoefficient, float Variance) Posterior(int timestep)
    {
        if (InferenceSteps == 0) throw new InvalidOperationException("SetTimesteps must be called before Step");
        int prev = timestep - Config.TrainTimesteps / InferenceSteps;
        // float32 scalars as in the reference, where alphas_cumprod is a float32 tensor
        float ab = Schedule.AlphasCumprod[timestep];
        float abPrev = prev >= 0 ? Schedule.AlphasCumprod[prev] : 1f;
        float alpha = ab / abPrev, beta = 1f - alpha;
        float x0Coefficient = MathF.Sqrt(abPrev) * beta / (1f - ab);
        float sampleCoefficient = MathF.Sqrt(alpha) * (1f - abPrev) / (1f - ab);
        float variance = MathF.Max((1f - abPrev) / (1f - ab) * beta, 1e-20f);
        return (x0Coefficient, sampleCoefficient, variance);
    }

    public Tensor Step(Tensor modelOutput, int timestep, Tensor sample)
    {
        var (a, b, variance) = Posterior(timestep);
        var (eps, x0) = ModelPrediction.ToEpsilonAndX0(Config.PredictionType, modelOutput, sample, Schedule.AlphasCumprod[timestep]);
        if (Config.ClipSample) x0 = x0.clamp(-Config.ClipSampleRange, Config.ClipSampleRange);
        var mean = a * x0 + b * sample;
        if (timestep == 0) return mean;
        var z = torch.randn(sample.shape, generator: _noise).to(sample.device).to(sample.dtype);
        return mean + MathF.Sqrt(variance) * z;
    }
}
