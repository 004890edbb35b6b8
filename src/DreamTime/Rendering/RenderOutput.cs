using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>
/// A batch of renders from any representation, plus named extras that only its renderer can compute (a volume
/// renderer's orientation term, for example), which the representation's own regularisers read.
/// </summary>
/// <param name="Rgb">[B,H,W,3]: composited colour plus (1 - opacity) * background.</param>
/// <param name="Opacity">[B,H,W,1]: coverage of each pixel (0 where a ray misses the object).</param>
/// <param name="Depth">[B,H,W,1]: weight-averaged distance along the ray (not normalised by opacity).</param>
/// <param name="Normal">[B,H,W,3]: weight-composited world-space normals (zeros when normals were not computed).</param>
/// <param name="Background">[B,H,W,3]: the background colour of each ray.</param>
public sealed record RenderOutput(Tensor Rgb, Tensor Opacity, Tensor Depth, Tensor Normal, Tensor Background)
{
    private static readonly IReadOnlyDictionary<string, Tensor> None = new Dictionary<string, Tensor>();

    /// <summary>Named tensors beside the images, e.g. <see cref="VolumeRenderer.OrientationExtra"/>.</summary>
    public IReadOnlyDictionary<string, Tensor> Extras { get; init; } = None;

    /// <summary>The named extra; a representation asks only for extras its own renderer provides.</summary>
    public Tensor Extra(string name) => Extras.TryGetValue(name, out var t) ? t
        : throw new KeyNotFoundException(
            $"the render has no extra '{name}' (it has: {string.Join(", ", Extras.Keys.DefaultIfEmpty("none"))})");

    /// <summary>Plain images [B,H,W,3] as a render (opaque, no geometry): for score distillation in image space.</summary>
    public static RenderOutput FromImages(Tensor rgb)
    {
        var b = rgb.shape[0]; var h = rgb.shape[1]; var w = rgb.shape[2];
        return new RenderOutput(rgb, ones(b, h, w, 1, device: rgb.device), zeros(b, h, w, 1, device: rgb.device),
            zeros(b, h, w, 3, device: rgb.device), zeros(b, h, w, 3, device: rgb.device));
    }
}
