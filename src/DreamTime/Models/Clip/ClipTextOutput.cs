using static TorchSharp.torch;

namespace DreamTime.Models.Clip;

/// <summary>What the CLIP text transformer returns.</summary>
/// <param name="LastHiddenState">[B, tokens, hidden] after the final layer norm (Stable Diffusion's text conditioning)</param>
/// <param name="Pooled">[B, hidden] the hidden state at each sequence's end-of-text token</param>
public sealed record ClipTextOutput(Tensor LastHiddenState, Tensor Pooled);
