using DreamTime.Runtime;
namespace DreamTime.Imaging;

/// <summary>An RGB image with float channels in [0,1], row-major HWC. The common currency for writing pictures.</summary>
public sealed record RgbImage(int Height, int Width, float[] Pixels)
{
    public static RgbImage Filled(int h, int w, float r, float g, float b)
    {
        var p = new float[h * w * 3];
        for (int i = 0; i < h * w; i++) { p[3 * i] = r; p[3 * i + 1] = g; p[3 * i + 2] = b; }
        return new RgbImage(h, w, p);
    }

    /// <summary>From a tensor [H,W,3] (any float dtype or device), clamped to [0,1].</summary>
    public static RgbImage FromTensor(TorchSharp.torch.Tensor hwc)
    {
        using var c = hwc.detach().to(TorchSharp.torch.float32).cpu().clamp(Scalars.Of(0), Scalars.Of(1)).contiguous();
        if (c.ndim != 3 || c.shape[2] != 3) throw new ArgumentException($"expected [H,W,3], got [{string.Join(",", c.shape)}]");
        return new RgbImage((int)c.shape[0], (int)c.shape[1], c.data<float>().ToArray());
    }
}
