using DreamTime.Runtime;
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
public sealed class DdpmScheduler(SchedulerConfig config, Generator noise) : DenoisingScheduler(config)
{
    /// <summary>The posterior's coefficients of x0_hat and x_t and its variance for the step from <paramref name="timestep"/>.</summary>
    public (float X0Coefficient, float SampleCoefficient, float Variance) Posterior(int timestep)
    {
        var (ab, abPrev) = AlphaProds(timestep, 1f);
        float alpha = ab / abPrev, beta = 1f - alpha;
        float x0Coefficient = MathF.Sqrt(abPrev) * beta / (1f - ab);
        float sampleCoefficient = MathF.Sqrt(alpha) * (1f - abPrev) / (1f - ab);
        float variance = MathF.Max((1f - abPrev) / (1f - ab) * beta, 1e-20f);
        return (x0Coefficient, sampleCoefficient, variance);
    }

    public override Tensor Step(Tensor modelOutput, int timestep, Tensor sample)
    {
        var (a, b, variance) = Posterior(timestep);
        var (_, x0) = Predict(modelOutput, sample, Schedule.AlphasCumprod[timestep]);
        var mean = x0.Times(a).Plus(sample.Times(b));
        if (timestep == 0) return mean;
        var z = torch.randn(sample.shape, generator: noise).to(sample.device).to(sample.dtype);
        return mean.Plus(z.Times(MathF.Sqrt(variance)));
    }
}
