using static TorchSharp.torch;

namespace DreamTime.Models.Lora;

/// <summary>
/// One layer of a LoRA file: which component ("unet" or "text_encoder") and module it adapts, A [r, in] (down),
/// B [out, r] (up) and alpha. <see cref="Module"/> is the module's path in DreamTime's models (diffusers' UNet
/// names; CLIP without transformers' "text_model." prefix), or for a kohya file its flattened name
/// (dots as underscores), which only a model can resolve (<see cref="LoraMerge"/>). <see cref="Key"/> is the
/// file's key, for errors.
/// </summary>
public sealed record LoraLayerWeights(string Component, string Module, bool Flattened, Tensor Down, Tensor Up, double Alpha,
    string Key)
{
    public int Rank => (int)Down.shape[0];
}
