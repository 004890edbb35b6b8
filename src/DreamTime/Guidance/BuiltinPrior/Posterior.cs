using static TorchSharp.torch;

namespace DreamTime.Guidance.BuiltinPrior;

/// <summary>The exact posterior of a finite data set given x_t: weights over
/// members, x0_hat, eps_hat and the weights' entropy (all float64).</summary>
public sealed class Posterior : IDisposable
{
    /// <summary>[B, K] posterior weights, each row sums to 1.</summary>
    public required Tensor Weights { get; init; }
    /// <summary>[B, D] posterior mean of x_0.</summary>
    public required Tensor X0 { get; init; }
    /// <summary>[B, D] the matching noise prediction.</summary>
    public required Tensor Eps { get; init; }
    /// <summary>[B] entropy of the weights in nats (0 = one member, ln K = uniform).</summary>
    public required Tensor Entropy { get; init; }

    public void Dispose()
    {
        Weights.Dispose(); X0.Dispose(); Eps.Dispose(); Entropy.Dispose();
    }
}
