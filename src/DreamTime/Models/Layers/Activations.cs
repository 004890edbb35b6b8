using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Models.Layers;

/// <summary>The activation functions diffusers and transformers configs name, by their config names.</summary>
public static class Activations
{
    public static readonly string[] Names = { "silu", "swish", "gelu", "quick_gelu", "relu", "mish" };

    public static Func<Tensor, Tensor> Get(string name, string where) => name switch
    {
        "silu" or "swish" => x => nn.functional.silu(x),
        // exact (erf) GELU, as torch's default and transformers' "gelu"
        "gelu" => x => nn.functional.gelu(x),
        // CLIP's original approximation x * sigmoid(1.702 x)
        "quick_gelu" => x => x * nn.functional.sigmoid(x.Times(1.702)),
        "relu" => x => nn.functional.relu(x),
        "mish" => x => x.Mish(),
        _ => throw new UserError($"{where}: activation \"{name}\" is not supported; allowed: {string.Join(", ", Names)}"),
    };
}
