using DreamTime.Rendering;
using static TorchSharp.torch;

namespace DreamTime.Studies.Hints;

/// <summary>One denoiser's input: noisy degraded member renders from one camera, and the clean renders of every member from it.</summary>
/// <param name="Noisy">x_t, [N, 3, H, W] in the diffusion range</param>
/// <param name="MemberRenders">the prompt's members from <paramref name="Camera"/>, [K, 3, H, W] in [-1, 1] (what the built-in prior
/// denoises against)</param>
public sealed record HintQuery(Tensor Noisy, int T, double AlphaBar, Camera Camera, Tensor MemberRenders);
