using System.Numerics;
using DreamTime.Imaging;
using DreamTime.Runtime;
using SkiaSharp;
using Xunit;

namespace DreamTime.Tests.Imaging;

/// <summary>Images drawn here, written as PNG or JPEG files, read back by <see cref="ObjectImage"/>.</summary>
public class ObjectImageTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dreamtime-object-image-" + Guid.NewGuid().ToString("N"));

    public ObjectImageTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    /// <summary>Share of the pixel [x, x+1] x [y, y+1] inside the disc, from 8x8 samples.</summary>
    internal static float DiscCoverage(int x, int y, double cx, double cy, double r)
    {
        int inside = 0;
        for (int j = 0; j < 8; j++)
            for (int i = 0; i < 8; i++)
            {
                double dx = x + (i + 0.5) / 8 - cx, dy = y + (j + 0.5) / 8 - cy;
                if (dx * dx + dy * dy <= r * r) inside++;
            }
        return inside / 64f;
    }

    /// <summary>
    /// A disc over transparency; the transparent pixels hide a green that must never show (premultiplied resampling).
    /// </summary>
    internal static byte[] DiscOnAlpha(int w, int h, double cx, double cy, double r, (byte R, byte G, byte B) color)
    {
        var rgba = new byte[4 * w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float a = DiscCoverage(x, y, cx, cy, r);
                int i = 4 * (y * w + x);
                (rgba[i], rgba[i + 1], rgba[i + 2]) = a > 0 ? color : ((byte)0, (byte)255, (byte)0);
                rgba[i + 3] = ImageIO.ToByte(a);
            }
        return rgba;
    }

    /// <summary>An opaque disc on a plain colour, edges blended.</summary>
    private static byte[] DiscOnColor(int w, int h, double cx, double cy, double r, (byte R, byte G, byte B) disc,
        (byte R, byte G, byte B) bg)
    {
        var rgba = new byte[4 * w * h];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float a = DiscCoverage(x, y, cx, cy, r);
                int i = 4 * (y * w + x);
                rgba[i] = (byte)Math.Round(disc.R * a + bg.R * (1 - a));
                rgba[i + 1] = (byte)Math.Round(disc.G * a + bg.G * (1 - a));
                rgba[i + 2] = (byte)Math.Round(disc.B * a + bg.B * (1 - a));
                rgba[i + 3] = 255;
            }
        return rgba;
    }

    internal static string Write(string path, byte[] rgba, int w, int h, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, format == SKEncodedImageFormat.Png ? SKAlphaType.Unpremul
            : SKAlphaType.Opaque);
        using var bmp = new SKBitmap(info);
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bmp.GetPixels(), rgba.Length);
        using var data = bmp.Encode(format, 95);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>Mask centroid in continuous pixel coordinates (pixel j covers [j, j + 1]).</summary>
    private static (double X, double Y) Centroid(ObjectImage o)
    {
        double sum = 0, sx = 0, sy = 0;
        for (int y = 0; y < o.Size; y++)
            for (int x = 0; x < o.Size; x++)
            {
                double m = o.Mask[y * o.Size + x];
                sum += m; sx += m * (x + 0.5); sy += m * (y + 0.5);
            }
        return (sx / sum, sy / sum);
    }

    /// <summary>Width and height of the box of pixels at least half covered.</summary>
    private static (int W, int H) BoxSize(ObjectImage o)
    {
        int x0 = o.Size, y0 = o.Size, x1 = -1, y1 = -1;
        for (int y = 0; y < o.Size; y++)
            for (int x = 0; x < o.Size; x++)
                if (o.Mask[y * o.Size + x] >= 0.5f)
                {
                    x0 = Math.Min(x0, x); x1 = Math.Max(x1, x);
                    y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
                }
        return (x1 - x0 + 1, y1 - y0 + 1);
    }

    private static Vector3 Pixel(ObjectImage o, int x, int y)
    {
        int i = 3 * (y * o.Size + x);
        return new Vector3(o.Image.Pixels[i], o.Image.Pixels[i + 1], o.Image.Pixels[i + 2]);
    }

    private static void AssertColor(Vector3 expected, Vector3 actual, float tol, string what) =>
        Assert.True(Vector3.Abs(expected - actual) is var d && d.X <= tol && d.Y <= tol && d.Z <= tol,
            $"{what}: expected {expected}, got {actual}");

    [Fact]
    public void DiscOnAlphaIsCentredScaledAndComposited()
    {
        // off-centre in a non-square picture, so neither the centring nor the scale can come out right by accident
        var path = Write(PathOf("disc.png"), DiscOnAlpha(200, 160, 60.0, 100.0, 30.0, (230, 20, 10)), 200, 160);
        var o = ObjectImage.Load(path, new ObjectImageOptions(Size: 128));

        Assert.Equal(MaskSource.Alpha, o.Source);
        Assert.Equal(128, o.Size);
        Assert.Equal((200, 160), (o.SourceWidth, o.SourceHeight));
        var (cx, cy) = Centroid(o);
        Assert.True(Math.Abs(cx - 64) <= 1 && Math.Abs(cy - 64) <= 1,
            $"mask centroid ({cx:F2}, {cy:F2}), expected (64, 64) within a pixel");
        var (bw, bh) = BoxSize(o);
        double expected = 0.85 * 128;
        Assert.True(Math.Abs(bw - expected) <= 2 && Math.Abs(bh - expected) <= 2,
            $"box {bw}x{bh}, expected {expected:F1} on each side within 2 px");
        double area = o.Mask.Sum(m => (double)m);
        double disc = Math.PI * Math.Pow(expected / 2, 2);
        Assert.True(Math.Abs(area - disc) / disc < 0.03, $"mask area {area:F0}, a disc of diameter {expected:F1} has {disc:F0}");

        Assert.Equal(0f, o.Mask[0]);
        AssertColor(Vector3.One, Pixel(o, 0, 0), 1e-6f, "corner over white");
        Assert.True(o.Mask[64 * 128 + 64] > 0.99f, $"centre coverage {o.Mask[64 * 128 + 64]}");
        AssertColor(new Vector3(230, 20, 10) / 255f, Pixel(o, 64, 64), 2e-3f, "centre colour");
        // every pixel is the disc's colour over white in proportion to its coverage
        var red = new Vector3(230, 20, 10) / 255f;
        for (int i = 0; i < o.Size * o.Size; i++)
        {
            float a = o.Mask[i];
            AssertColor(red * a + Vector3.One * (1 - a), Pixel(o, i % o.Size, i / o.Size), 3e-3f, $"pixel {i} (coverage {a:F3})");
        }
    }

    [Fact]
    public void HiddenColoursUnderTransparencyDoNotBleedAndTheBackgroundIsAnOption()
    {
        var path = Write(PathOf("disc.png"), DiscOnAlpha(64, 64, 30.3, 33.7, 12.2, (0, 0, 255)), 64, 64);
        var black = ObjectImage.Load(path, new ObjectImageOptions(Size: 96, Background: Vector3.Zero));
        Assert.Equal(new Vector3(0, 0, 0), Pixel(black, 0, 0));
        float maxGreen = Enumerable.Range(0, 96 * 96).Max(i => black.Image.Pixels[3 * i + 1]);
        Assert.True(maxGreen < 1e-6f, $"green under the transparent pixels leaked into the edge: {maxGreen}");
        // the disc's edge is a blend of blue and black only
        Assert.Contains(black.Mask, m => m is > 0.2f and < 0.8f);

        var grey = ObjectImage.Load(path,
            new ObjectImageOptions(Size: 96, Background: new Vector3(0.5f, 0.25f, 0.75f), ForegroundRatio: 0.5));
        AssertColor(new Vector3(0.5f, 0.25f, 0.75f), Pixel(grey, 95, 95), 1e-6f, "corner over the given colour");
        var (bw, _) = BoxSize(grey);
        Assert.True(Math.Abs(bw - 48) <= 2, $"box {bw} px wide at ratio 0.5 of 96");
    }

    [Fact]
    public void PlainGreyBackgroundIsRemovedFromAJpeg()
    {
        var path = Write(PathOf("disc.jpg"), DiscOnColor(160, 120, 100.0, 50.0, 25.0, (40, 60, 200), (128, 128, 128)), 160, 120,
            SKEncodedImageFormat.Jpeg);
        var o = ObjectImage.Load(path, new ObjectImageOptions(Size: 64));

        Assert.Equal(MaskSource.PlainBackground, o.Source);
        AssertColor(new Vector3(128 / 255f), o.RemovedBackground!.Value, 3 / 255f, "estimated background");
        var (cx, cy) = Centroid(o);
        Assert.True(Math.Abs(cx - 32) <= 1 && Math.Abs(cy - 32) <= 1,
            $"mask centroid ({cx:F2}, {cy:F2}), expected (32, 32) within a pixel");
        var (bw, bh) = BoxSize(o);
        Assert.True(Math.Abs(bw - 0.85 * 64) <= 2 && Math.Abs(bh - 0.85 * 64) <= 2, $"box {bw}x{bh}, expected {0.85 * 64:F1}");
        AssertColor(Vector3.One, Pixel(o, 0, 0), 1e-6f, "grey corner replaced by white");
        AssertColor(new Vector3(40, 60, 200) / 255f, Pixel(o, 32, 32), 0.03f, "disc colour (JPEG)");
    }

    [Fact]
    public void BackgroundColouredPartsInsideTheObjectStay()
    {
        // a ring: its hole has the background's colour but is enclosed by the object
        int w = 80, h = 80;
        var rgba = DiscOnColor(w, h, 40, 40, 25, (200, 30, 30), (128, 128, 128));
        for (int y = 30; y < 50; y++)
            for (int x = 30; x < 50; x++)
            {
                int i = 4 * (y * w + x);
                rgba[i] = rgba[i + 1] = rgba[i + 2] = 128;
            }
        var o = ObjectImage.Load(Write(PathOf("ring.png"), rgba, w, h), new ObjectImageOptions(Size: 64));
        Assert.Equal(MaskSource.PlainBackground, o.Source);
        Assert.Equal(1f, o.Mask[32 * 64 + 32]);
        AssertColor(new Vector3(128 / 255f), Pixel(o, 32, 32), 1e-6f, "hole keeps its grey");
        Assert.Equal(0f, o.Mask[0]);
    }

    [Fact]
    public void NoisyBackgroundIsRefused()
    {
        int w = 64, h = 64;
        var rgba = DiscOnColor(w, h, 32, 32, 12, (255, 0, 0), (0, 0, 0));
        var rng = new Random(7);
        for (int i = 0; i < w * h; i++)
            if (rgba[4 * i] != 255)
                for (int c = 0; c < 3; c++) rgba[4 * i + c] = (byte)rng.Next(256);
        var path = Write(PathOf("noise.png"), rgba, w, h);
        var e = Assert.Throws<UserError>(() => ObjectImage.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not a plain colour", e.Message);
        Assert.Contains("alpha", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void EmptyAndFullMasksAreRefused()
    {
        var empty = Write(PathOf("empty.png"), new byte[4 * 32 * 32], 32, 32);
        var e = Assert.Throws<UserError>(() => ObjectImage.Load(empty));
        Assert.Contains(empty, e.Message);
        Assert.Contains("no foreground", e.Message);

        var plain = new byte[4 * 32 * 32];
        for (int i = 0; i < 32 * 32; i++)
            (plain[4 * i], plain[4 * i + 1], plain[4 * i + 2], plain[4 * i + 3]) = ((byte)90, (byte)90, (byte)90, (byte)255);
        e = Assert.Throws<UserError>(() => ObjectImage.Load(Write(PathOf("plain.png"), plain, 32, 32)));
        Assert.Contains("no foreground", e.Message);

        // opaque everywhere but one pixel: the alpha channel counts, and it leaves no background
        var full = new byte[4 * 32 * 32];
        Array.Fill(full, (byte)255);
        full[3] = 0;
        e = Assert.Throws<UserError>(() => ObjectImage.Load(Write(PathOf("full.png"), full, 32, 32)));
        Assert.Contains("covers 99.9", e.Message);
    }

    [Fact]
    public void UnreadableFilesAndAbsurdSizesAreRefusedByName()
    {
        var text = PathOf("notes.png");
        File.WriteAllText(text, "not a picture");
        var e = Assert.Throws<UserError>(() => ObjectImage.Load(text));
        Assert.Contains(text, e.Message);
        Assert.Contains("not an image", e.Message);

        var missing = PathOf("missing.png");
        Assert.Contains("file not found", Assert.Throws<UserError>(() => ObjectImage.Load(missing)).Message);
        Assert.Contains("is a folder", Assert.Throws<UserError>(() => ObjectImage.Load(_dir)).Message);

        var tiny = Write(PathOf("tiny.png"), DiscOnAlpha(4, 4, 2, 2, 1, (255, 255, 255)), 4, 4);
        e = Assert.Throws<UserError>(() => ObjectImage.Load(tiny));
        Assert.Contains("4x4", e.Message);
        Assert.Contains(tiny, e.Message);

        var wide = Write(PathOf("wide.png"), new byte[4 * 8193 * 8], 8193, 8);
        Assert.Contains("8193x8", Assert.Throws<UserError>(() => ObjectImage.Load(wide)).Message);
    }
}
