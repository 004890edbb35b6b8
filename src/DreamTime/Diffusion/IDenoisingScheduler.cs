using static TorchSharp.torch;

namespace DreamTime.Diffusion;

/// <summary>A sampler over a noise table: picks the inference timesteps, then maps x_t to x_prev from the model output.</summary>
public interface IDenoisingScheduler
{
    /// <summary>The descending inference timesteps for <paramref name="steps"/> steps.</summary>
    int[] SetTimesteps(int steps);
    /// <summary>The standard deviation of the starting noise.</summary>
    double InitNoiseSigma { get; }
    /// <summary>One step from <paramref name="timestep"/> to the next inference timestep.</summary>
    Tensor Step(Tensor modelOutput, int timestep, Tensor sample);
}
