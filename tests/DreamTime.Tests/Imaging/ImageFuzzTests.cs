using DreamTime.Imaging;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;

namespace DreamTime.Tests.Imaging;

/// <summary>Mutated PNG and JPEG pictures through ImageIO.LoadImage and ObjectImage.Load (the --image path): decoded, or refused
/// cleanly.</summary>
[Trait("Category", "fuzz")]
public class ImageFuzzTests(ITestOutputHelper output)
{
    private static byte[] Encode(SKEncodedImageFormat format, bool alpha)
    {
        const int w = 48, h = 40;
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, alpha ? SKAlphaType.Unpremul : SKAlphaType.Opaque);
        using var bmp = new SKBitmap(info);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                bool inside = (x - 24) * (x - 24) + (y - 20) * (y - 20) < 100;
                bmp.SetPixel(x, y, inside ? new SKColor(200, 40, 40, 255) : alpha ? new SKColor(0, 0, 0, 0) : new SKColor(255, 255, 255));
            }
        using var data = bmp.Encode(format, 90);
        return data.ToArray();
    }

    [Fact]
    public void MutatedPicturesDecodeOrFailCleanly()
    {
        var originals = new[] { Encode(SKEncodedImageFormat.Png, true), Encode(SKEncodedImageFormat.Png, false),
            Encode(SKEncodedImageFormat.Jpeg, false) };
        var path = Path.Combine(Path.GetTempPath(), $"dt-image-fuzz-{Guid.NewGuid():N}.png");
        try
        {
            Fuzz.Run("pictures", Fuzz.Cases(120), 7, (rng, i) =>
            {
                var original = originals[rng.Next(originals.Length)];
                // most mutations in the first 100 bytes, where the signature, sizes and headers are
                File.WriteAllBytes(path, rng.Next(3) == 0 ? Fuzz.MutateBytes(original, rng) : Fuzz.MutateBytes(original, rng, 0, 100));
                if (i % 2 == 0) ImageIO.LoadImage(path);
                else ObjectImage.Load(path, new ObjectImageOptions(Size: 32));
            }, output);
        }
        finally { File.Delete(path); }
    }
}
