using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Models.Vae;

/// <summary>Diagonal Gaussian posterior of the VAE encoder; logvar is clamped to [-30, 20] as in diffusers.</summary>
public sealed record LatentDistribution(Tensor Mean, Tensor LogVar)
{
    public Tensor Std => torch.exp(LogVar.Times(0.5));

    /// <summary>mean + std * eps with eps drawn (on the CPU, for reproducibility across devices) from the generator.</summary>
    public Tensor Sample(Generator? generator)
    {
        var eps = torch.randn(Mean.shape, dtype: Mean.dtype, generator: generator).to(Mean.device);
        return Mean.Plus(Std * eps);
    }
}
