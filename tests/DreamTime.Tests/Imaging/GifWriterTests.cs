using DreamTime.Imaging;
using DreamTime.Runtime;
using SkiaSharp;
using Xunit;

namespace DreamTime.Tests.Imaging;

public class GifWriterTests
{
    private static readonly SKColor[] Solid = [new(220, 30, 40), new(20, 200, 60), new(30, 60, 210), new(128, 128, 128),
        new(250, 250, 250)];

    private static RgbImage Filled(SKColor c, int w = 40, int h = 30) => RgbImage.Filled(h, w, c.Red / 255f, c.Green / 255f, c.Blue / 255f);

    [Theory]
    [InlineData(GifPaletteKind.MedianCut, true, 0)]
    [InlineData(GifPaletteKind.MedianCut, false, 0)]
    [InlineData(GifPaletteKind.ColorCube, false, 26)] // half of the cube's widest spacing
    public void SolidFramesDecodeWithSkiaToTheirColours(GifPaletteKind palette, bool dither, int tolerance)
    {
        var frames = Solid.Select(c => Filled(c)).ToList();
        var path = Pixels.TempFile("solid.gif");
        GifWriter.Write(path, frames, new GifOptions { FrameDelayMs = 120, Palette = palette, Dither = dither });
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp")); // written beside, then renamed

        using var codec = SKCodec.Create(path);
        Assert.Equal(SKEncodedImageFormat.Gif, codec.EncodedFormat);
        Assert.Equal(Solid.Length, codec.FrameCount);
        Assert.Equal((40, 30), (codec.Info.Width, codec.Info.Height));
        Assert.Equal(-1, codec.RepetitionCount); // Skia's "forever"
        Assert.All(codec.FrameInfo, f => Assert.Equal(120, f.Duration));
        var info = new SKImageInfo(40, 30, SKColorType.Rgba8888, SKAlphaType.Premul);
        for (int f = 0; f < Solid.Length; f++)
        {
            using var bmp = new SKBitmap(info);
            Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, bmp.GetPixels(), new SKCodecOptions(f)));
            var img = ImageIO.FromBitmap(bmp);
            foreach (var (x, y) in new[] { (0, 0), (39, 29), (17, 11), (5, 23) })
                Assert.True(Pixels.Near(Pixels.At(img, x, y), Solid[f], tolerance),
                    $"frame {f} at ({x},{y}): {Pixels.At(img, x, y)} vs {Solid[f]}");
        }
        codec.Dispose();
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Theory]
    [InlineData(256, 256)]
    [InlineData(97, 61)]
    [InlineData(1, 1)]
    public void NoiseRoundTripsExactlyThroughAnIndependentDecoder(int width, int height)
    {
        // 216 colours, each in its own histogram cell: the palette can hold them all exactly,
        // and random indices make the LZW dictionary fill up and restart many times.
        var levels = new[] { 0, 51, 102, 153, 204, 255 };
        var rng = new Random(5);
        var frames = Enumerable.Range(0, 3).Select(_ =>
        {
            var px = new float[width * height * 3];
            for (int i = 0; i < width * height; i++)
                for (int c = 0; c < 3; c++) px[3 * i + c] = levels[rng.Next(6)] / 255f;
            return new RgbImage(height, width, px);
        }).ToList();
        var gif = GifWriter.Encode(frames, new GifOptions { Dither = false, LoopCount = 3, FrameDelaysMs = [40, 100, 2000] });

        var d = GifTestDecoder.Decode(gif);
        Assert.Equal((width, height), (d.Width, d.Height));
        Assert.Equal(3, d.LoopCount);
        Assert.Equal([4, 10, 200], d.DelaysCs);
        Assert.Equal(3, d.FrameIndices.Count);
        for (int f = 0; f < 3; f++)
            for (int i = 0; i < width * height; i++)
            {
                var expected = (ImageIO.ToByte(frames[f].Pixels[3 * i]), ImageIO.ToByte(frames[f].Pixels[3 * i + 1]),
                    ImageIO.ToByte(frames[f].Pixels[3 * i + 2]));
                Assert.Equal(expected, d.Colour(f, i));
            }

        using var codec = SKCodec.Create(new MemoryStream(gif));
        Assert.Equal(3, codec.FrameCount);
        Assert.Equal(3, codec.RepetitionCount);
    }

    [Fact]
    public void WithoutLoopCountTheAnimationPlaysOnce()
    {
        var gif = GifWriter.Encode([Filled(Solid[0]), Filled(Solid[1])], new GifOptions { LoopCount = null });
        var d = GifTestDecoder.Decode(gif);
        Assert.Null(d.LoopCount);
        Assert.Equal(2, d.FrameIndices.Count);
    }

    [Fact]
    public void DitheredGradientIsCloserOnAverageThanItsPaletteSpacing()
    {
        // A smooth two-colour ramp over 256 columns: more shades than a 256-colour palette can hold exactly.
        int w = 256, h = 32;
        var px = new float[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = (y * w + x) * 3;
                px[i] = x / 255f; px[i + 1] = 0.3f + 0.4f * x / 255f; px[i + 2] = 1 - x / 255f * (0.5f + 0.5f * y / h);
            }
        var frame = new RgbImage(h, w, px);
        foreach (var dither in new[] { false, true })
        {
            var d = GifTestDecoder.Decode(GifWriter.Encode([frame], new GifOptions { Dither = dither }));
            double error = 0;
            for (int i = 0; i < w * h; i++)
            {
                var c = d.Colour(0, i);
                error += Math.Abs(c.R - px[3 * i] * 255) + Math.Abs(c.G - px[3 * i + 1] * 255) + Math.Abs(c.B - px[3 * i + 2] * 255);
            }
            Assert.True(error / (3.0 * w * h) < 4, $"dither={dither}: mean error {error / (3.0 * w * h):F2}");
        }
    }

    [Fact]
    public void ThirtySixFramesOf256AreAllEncoded()
    {
        var rng = new Random(2);
        var frames = Enumerable.Range(0, 36).Select(f =>
        {
            var px = new float[256 * 256 * 3];
            for (int i = 0; i < px.Length; i++) px[i] = (float)(0.5 + 0.4 * Math.Sin(i * 0.001 + f * 0.2) + 0.05 * rng.NextDouble());
            return new RgbImage(256, 256, px);
        }).ToList();
        // speed is `dreamtime benchmark gif`'s business: a timing bound here fails on a loaded machine
        var gif = GifWriter.Encode(frames);
        Assert.Equal(36, GifTestDecoder.Decode(gif).FrameIndices.Count);
    }

    [Fact]
    public void BadInputIsRefusedWithAClearMessage()
    {
        Assert.Contains("no frames", Assert.Throws<UserError>(() => GifWriter.Encode([])).Message);
        Assert.Contains("frame 1 is 20x30",
            Assert.Throws<UserError>(() => GifWriter.Encode([Filled(Solid[0]), Filled(Solid[0], 20)])).Message);
        Assert.Contains("10 ms",
            Assert.Throws<UserError>(() => GifWriter.Encode([Filled(Solid[0])], new GifOptions { FrameDelayMs = 10 })).Message);
        Assert.Contains("2 frame delays", Assert.Throws<UserError>(() =>
            GifWriter.Encode([Filled(Solid[0])], new GifOptions { FrameDelaysMs = [50, 50] })).Message);
        Assert.Contains("loop count",
            Assert.Throws<UserError>(() => GifWriter.Encode([Filled(Solid[0])], new GifOptions { LoopCount = -2 })).Message);
    }
}
