using DreamTime.Imaging;
using SkiaSharp;

namespace DreamTime.Tests.Imaging;

/// <summary>Pixel inspection for the picture tests.</summary>
internal static class Pixels
{
    public static (byte R, byte G, byte B) At(RgbImage img, int x, int y)
    {
        int i = (y * img.Width + x) * 3;
        return (ImageIO.ToByte(img.Pixels[i]), ImageIO.ToByte(img.Pixels[i + 1]), ImageIO.ToByte(img.Pixels[i + 2]));
    }

    public static bool Near((byte R, byte G, byte B) p, SKColor c, int tolerance) =>
        Math.Abs(p.R - c.Red) <= tolerance && Math.Abs(p.G - c.Green) <= tolerance && Math.Abs(p.B - c.Blue) <= tolerance;

    /// <summary>Pixels in [x0,x1) x [y0,y1) matching a predicate.</summary>
    public static int Count(RgbImage img, Func<(byte R, byte G, byte B), bool> match, int x0 = 0, int y0 = 0, int x1 = int.MaxValue,
        int y1 = int.MaxValue)
    {
        int n = 0;
        for (int y = Math.Max(0, y0); y < Math.Min(img.Height, y1); y++)
            for (int x = Math.Max(0, x0); x < Math.Min(img.Width, x1); x++)
                if (match(At(img, x, y))) n++;
        return n;
    }

    public static bool Dark((byte R, byte G, byte B) p) => p.R < 110 && p.G < 110 && p.B < 110;

    public static string TempFile(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "dreamtime-imaging-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }
}
