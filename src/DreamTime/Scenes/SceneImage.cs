using DreamTime.Rendering;
using static TorchSharp.torch;

namespace DreamTime.Scenes;

/// <summary>
/// An analytic render: RGB in [0,1] (row-major HWC), the coverage mask (1 = object) per pixel, and the composited
/// world normals (row-major HWC: the sum of the hit sub-rays' unit normals over the rays per pixel, zeros where
/// every ray misses; a render's <see cref="RenderOutput.Normal"/> in the same terms).
/// </summary>
public sealed record SceneImage(int Height, int Width, float[] Rgb, float[] Mask, float[] Normal)
{
    /// <summary>The normal image [H*W*3] in [0,1], by the one encoding renders use (<see cref="Rendering.NormalImage"/>).</summary>
    public float[] NormalImage()
    {
        using var scope = NewDisposeScope();
        var normal = tensor(Normal, new long[] { Height, Width, 3 });
        var mask = tensor(Mask, new long[] { Height, Width, 1 });
        return Rendering.NormalImage.Encode(normal, mask).contiguous().data<float>().ToArray();
    }

    /// <summary>This image as the given modality sees it: itself, or with the normal image in place of the colours.</summary>
    public SceneImage In(ImageModality modality) => modality == ImageModality.Normal ? this with { Rgb = NormalImage() } : this;
}
