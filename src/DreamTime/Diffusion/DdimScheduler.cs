using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Diffusion;

/// <summary>
/// diffusers' DDIMScheduler with eta = 0 (deterministic): SetTimesteps picks the inference timesteps,
/// Step maps x_t to x_{t - T/n} from the model output (epsilon, v or x0 prediction).
/// </summary>
public sealed class DdimScheduler : DenoisingScheduler
{
    private readonly float _finalAlphaCumprod;

    public DdimScheduler(SchedulerConfig config) : base(config) =>
        _finalAlphaCumprod = config.SetAlphaToOne ? 1f : Schedule.AlphasCumprod[0];

    /// <summary>One deterministic DDIM step (eta = 0) from timestep t to t - T/n.</summary>
    public override Tensor Step(Tensor modelOutput, int timestep, Tensor sample)
    {
        var (alphaProd, alphaProdPrev) = AlphaProds(timestep, _finalAlphaCumprod);
        var (eps, x0) = Predict(modelOutput, sample, alphaProd);
        return x0.Times(MathF.Sqrt(alphaProdPrev)).Plus(eps.Times(MathF.Sqrt(1f - alphaProdPrev)));
    }
}
