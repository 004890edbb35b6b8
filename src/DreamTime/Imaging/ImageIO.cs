using System.Numerics;
using DreamTime.Runtime;
using SkiaSharp;

namespace DreamTime.Imaging;

public static class ImageIO
{
    public static SKBitmap ToBitmap(RgbImage img)
    {
        var bmp = new SKBitmap(img.Width, img.Height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        var bytes = new byte[img.Width * img.Height * 4];
        for (int i = 0; i < img.Width * img.Height; i++)
        {
            bytes[4 * i] = ToByte(img.Pixels[3 * i]);
            bytes[4 * i + 1] = ToByte(img.Pixels[3 * i + 1]);
            bytes[4 * i + 2] = ToByte(img.Pixels[3 * i + 2]);
            bytes[4 * i + 3] = 255;
        }
        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bmp.GetPixels(), bytes.Length);
        return bmp;
    }

    /// <summary>The RGB content of a bitmap of any colour type; transparent parts are composited over white.</summary>
    public static RgbImage FromBitmap(SKBitmap bmp)
    {
        using var rgba = new SKBitmap(new SKImageInfo(bmp.Width, bmp.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(rgba))
        {
            canvas.Clear(SKColors.White);
            canvas.DrawBitmap(bmp, 0, 0);
        }
        var bytes = rgba.Bytes;
        var pixels = new float[bmp.Width * bmp.Height * 3];
        for (int i = 0; i < bmp.Width * bmp.Height; i++)
        {
            pixels[3 * i] = bytes[4 * i] / 255f;
            pixels[3 * i + 1] = bytes[4 * i + 1] / 255f;
            pixels[3 * i + 2] = bytes[4 * i + 2] / 255f;
        }
        return new RgbImage(bmp.Height, bmp.Width, pixels);
    }

    /// <summary>Reads a PNG (or any format SkiaSharp decodes) as RGB.</summary>
    public static RgbImage LoadImage(string path)
    {
        if (!File.Exists(path)) throw new UserError($"{path}: file not found");
        using var bmp = SKBitmap.Decode(path) ?? throw new UserError($"{path}: not an image SkiaSharp can decode");
        return FromBitmap(bmp);
    }

    public static byte ToByte(float v) => (byte)Math.Clamp((int)MathF.Round(v * 255f), 0, 255);

    public static void SavePng(string path, SKBitmap bmp)
    {
        using var data = bmp.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>
    /// Writes an image of an object over white with its coverage as alpha: the colours are un-composited
    /// ((c - (1 - a)) / a), so that compositing the PNG over white gives the image back.
    /// </summary>
    public static void SavePngWithAlpha(string path, RgbImage overWhite, float[] alpha)
    {
        int n = overWhite.Width * overWhite.Height;
        if (alpha.Length != n) throw new ArgumentException($"{alpha.Length} alpha values for a {overWhite.Width}x{overWhite.Height} image");
        using var bmp = new SKBitmap(overWhite.Width, overWhite.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bytes = new byte[4 * n];
        for (int i = 0; i < n; i++)
        {
            float a = Math.Clamp(alpha[i], 0f, 1f);
            for (int c = 0; c < 3; c++)
                bytes[4 * i + c] = a > 0 ? ToByte((overWhite.Pixels[3 * i + c] - (1 - a)) / a) : (byte)255;
            bytes[4 * i + 3] = ToByte(a);
        }
        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bmp.GetPixels(), bytes.Length);
        SavePng(path, bmp);
    }

    public static void SavePng(string path, RgbImage img)
    {
        using var bmp = ToBitmap(img);
        SavePng(path, bmp);
    }

    /// <summary>Tiles images into a grid with a small gap; nearest-neighbour upscaling by an integer factor.</summary>
    public static RgbImage Grid(IReadOnlyList<RgbImage> images, int columns, int scale = 1, int gap = 2, float background = 1f) =>
        Grid(images, new GridLayout(images, columns, scale, gap), new Vector3(background));

    /// <summary>
    /// Copies each image, enlarged by repeating pixels, to its place in <paramref name="layout"/> (made for these
    /// images) over a background of the given RGB.
    /// </summary>
    public static RgbImage Grid(IReadOnlyList<RgbImage> images, GridLayout layout, Vector3 background)
    {
        if (images.Count != layout.Count) throw new ArgumentException($"{images.Count} images for a layout of {layout.Count}");
        var outImg = RgbImage.Filled(layout.Height, layout.Width, background.X, background.Y, background.Z);
        int scale = layout.Scale, W = layout.Width;
        for (int n = 0; n < images.Count; n++)
        {
            var src = images[n];
            int h = src.Height * scale, w = src.Width * scale;
            if (w > layout.CellWidth || h > layout.CellHeight)
                throw new ArgumentException($"image {n} ({src.Height}x{src.Width}) does not fit the " +
                    $"layout's {layout.CellHeight}x{layout.CellWidth} cells");
            var (ox, oy) = layout.TileOrigin(n, src);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int si = ((y / scale) * src.Width + x / scale) * 3, di = ((oy + y) * W + ox + x) * 3;
                    outImg.Pixels[di] = src.Pixels[si];
                    outImg.Pixels[di + 1] = src.Pixels[si + 1];
                    outImg.Pixels[di + 2] = src.Pixels[si + 2];
                }
        }
        return outImg;
    }
}
