using DreamTime.Imaging;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Models.Clip;

/// <summary>
/// CLIPImageProcessor's steps for an RGB image in [0, 1]: resize the shortest side to the encoder's image size,
/// centre crop a square, normalise per channel with CLIP's mean and std.
/// </summary>
/// <remarks>
/// The resize is bicubic with antialiasing. The image encoders of Zero-1-to-3 conversions were fed by
/// CLIPImageProcessor, which resizes with PIL's bicubic filter; torch's antialiased bicubic is the one built to
/// reproduce PIL's (Keys a = -0.5 and a kernel widened by the scale when shrinking), while plain bicubic uses
/// a = -0.75 and aliases when shrinking a large picture. PIL works on 8-bit values, so its overshoot at edges is
/// clipped; the result is clamped to [0, 1] for the same reason. The 8-bit rounding itself is not imitated.
/// </remarks>
public static class ClipImagePreprocessor
{
    /// <summary>OpenAI CLIP's normalisation, the one every CLIP ViT image encoder (and Zero-1-to-3's) was trained with.</summary>
    public static readonly float[] Mean = { 0.48145466f, 0.4578275f, 0.40821073f };
    public static readonly float[] Std = { 0.26862954f, 0.26130258f, 0.27577711f };

    /// <param name="image">RGB in [0, 1], [3, H, W] or [1, 3, H, W], any float dtype and device</param>
    /// <param name="size">the encoder's image_size</param>
    /// <returns>[1, 3, size, size] float32 on the image's device</returns>
    public static Tensor Preprocess(Tensor image, int size)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), size, "must be positive");
        var bchw = image.ndim == 3 ? image.unsqueeze(0) : image;
        if (bchw.ndim != 4 || bchw.shape[0] != 1 || bchw.shape[1] != 3 || bchw.shape[2] < 1 || bchw.shape[3] < 1)
            throw new ArgumentException($"expected an RGB image [3,H,W] or [1,3,H,W], got [{string.Join(",", image.shape)}]");
        using var scope = torch.NewDisposeScope();
        var x = bchw.to(ScalarType.Float32);
        var (h, w) = ((int)x.shape[2], (int)x.shape[3]);
        var (rh, rw) = ResizedSize(h, w, size);
        if (rh != h || rw != w)
            x = nn.functional.interpolate(x, size: new long[] { rh, rw }, mode: InterpolationMode.Bicubic, align_corners: false,
                antialias: true).clamp(Scalars.Of(0), Scalars.Of(1));
        var (top, left) = ((rh - size) / 2, (rw - size) / 2);
        x = x[.., .., top..(top + size), left..(left + size)];
        var mean = torch.tensor(Mean, device: x.device).view(1, 3, 1, 1);
        var std = torch.tensor(Std, device: x.device).view(1, 3, 1, 1);
        return ((x - mean) / std).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The project's image type (HWC floats in [0, 1]) as <see cref="Preprocess(Tensor, int)"/> takes it.</summary>
    public static Tensor Preprocess(RgbImage image, int size)
    {
        using var hwc = torch.tensor(image.Pixels, new long[] { image.Height, image.Width, 3 });
        using var chw = hwc.permute(2, 0, 1);
        return Preprocess(chw, size);
    }

    /// <summary>
    /// transformers' rule for "shortest_edge": the short side becomes size and the long side size * long / short,
    /// rounded down.
    /// </summary>
    public static (int Height, int Width) ResizedSize(int height, int width, int size)
    {
        if (height <= width) return (size, (int)((long)size * width / height));
        return ((int)((long)size * height / width), size);
    }
}
