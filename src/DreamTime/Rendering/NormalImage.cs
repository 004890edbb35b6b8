using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>
/// The one encoding of a normal map as an image, shared by renders (<see cref="RenderOutput.Normal"/>) and the
/// built-in prior's members, so that the two match exactly: the world normal n as colour n * 0.5 + 0.5 over the
/// object, composited by the opacity over white, rgb = opacity (n * 0.5 + 0.5) + (1 - opacity).
/// </summary>
/// <remarks>
/// Renders carry composited normals N = sum_i w_i n_i (the volume renderer's; a rasteriser's unit normals over
/// covered pixels and zeros elsewhere are the same thing with opacity 0 or 1), i.e. normals premultiplied by the
/// opacity o. The encoding is written in those terms, rgb = 1 + (N - o) / 2, which is the formula above for
/// N = o n and, being linear, also the average of the encoded sub-pixels of a supersampled image whose N and o
/// are sub-pixel averages. Each channel stays in [1 - o, 1] for |n| at most 1.
/// </remarks>
public static class NormalImage
{
    /// <summary>
    /// The normal image [..., 3] in [0, 1] of composited normals [..., 3] and opacity [..., 1] (same leading
    /// shape); differentiable with respect to both.
    /// </summary>
    public static Tensor Encode(Tensor normal, Tensor opacity)
    {
        if (normal.shape[^1] != 3 || opacity.shape[^1] != 1 || normal.ndim != opacity.ndim)
            throw new ArgumentException($"normals [..., 3] and opacity [..., 1] of the same rank, got " +
                $"[{string.Join(",", normal.shape)}] and [{string.Join(",", opacity.shape)}]");
        return (normal - opacity.to(normal.dtype)).Times(0.5).Plus(1.0);
    }

    /// <summary>The normal image of a render's normals and opacity, [B,H,W,3].</summary>
    public static Tensor Of(RenderOutput render) => Encode(render.Normal, render.Opacity);
}
