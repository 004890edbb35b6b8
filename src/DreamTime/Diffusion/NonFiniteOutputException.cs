using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Diffusion;

/// <summary>
/// A model produced NaN or infinity. Raised where the value first appears (a UNet's noise prediction at a step, a
/// VAE's decoded image, a guidance's prediction), so the message says where instead of a black image or a silently
/// zeroed gradient later. The trainer reports it as a divergence; the sampling commands as one line.
/// </summary>
public sealed class NonFiniteOutputException(string where)
    : Exception($"{where} is not finite (NaN or infinity); the checkpoint's weights or its inputs are broken, or the dtype overflows")
{
    /// <summary>What was not finite, e.g. "the UNet's noise prediction at step 12 of 50 (t=801)".</summary>
    public string Where { get; } = where;

    /// <summary>Throws when any element of <paramref name="t"/> is NaN or infinite; <paramref name="where"/> is built only then.</summary>
    public static void ThrowIfNotFinite(Tensor t, Func<string> where)
    {
        using var _ = torch.no_grad();
        using var finite = torch.isfinite(t).all();
        if (!finite.item<bool>()) throw new NonFiniteOutputException(where());
    }
}
