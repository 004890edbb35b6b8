using static TorchSharp.torch;

namespace DreamTime.Models.Clip;

/// <summary>What the CLIP vision transformer returns.</summary>
/// <param name="ImageEmbeds">[B, projection_dim]: the projected, layer-normed class token (what Zero-1-to-3 conditions on)</param>
/// <param name="LastHiddenState">[B, 1 + patches, hidden]: the last encoder layer's output, without post_layernorm</param>
/// <param name="Pooled">[B, hidden]: the class token after post_layernorm</param>
public sealed record ClipVisionOutput(Tensor ImageEmbeds, Tensor LastHiddenState, Tensor Pooled);
