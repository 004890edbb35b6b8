using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Representations.Nerf;

/// <summary>The NeRF's regularisers on its rendered opacity (threestudio's), owned by the representation, not the renderer.</summary>
public static class NerfRegularizers
{
    /// <summary>Mean over rays of sqrt(opacity^2 + 0.01): a smooth mean opacity, which discourages floaters.</summary>
    public static Tensor Sparsity(Tensor opacity) => (opacity * opacity).Plus(0.01).sqrt().mean();

    /// <summary>Mean binary entropy of the opacity clamped to [1e-3, 1 - 1e-3]: pushes each ray to be empty or opaque.</summary>
    public static Tensor OpacityEntropy(Tensor opacity)
    {
        var oc = opacity.clamp(Scalars.Of(1e-3), Scalars.Of(1 - 1e-3));
        return (-(oc * oc.log()).Plus(oc.SubtractedFrom(1) * oc.SubtractedFrom(1).log())).mean();
    }
}
