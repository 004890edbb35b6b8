using DreamTime.Imaging;
using DreamTime.Runtime;
using SkiaSharp;
using Xunit;

namespace DreamTime.Tests.Imaging;

public class ImagingFontTests
{
    [Fact]
    public void EmbeddedFontIsDejaVuSansWithTheGlyphsWeDraw()
    {
        Assert.Equal("DejaVu Sans", Fonts.Regular.FamilyName);
        using var font = Fonts.Create(12);
        // Letters, the degree sign of captions, the minus and the em dash used in labels.
        var glyphs = font.GetGlyphs("Ag09°\u2212\u2014\u2026");
        Assert.All(glyphs, g => Assert.NotEqual((ushort)0, g));
    }

    [Fact]
    public void DrawnTextLeavesInkWhereItWasDrawn()
    {
        using var bmp = new SKBitmap(new SKImageInfo(200, 40, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bmp))
        using (var font = Fonts.Create(20))
        using (var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true })
        {
            canvas.Clear(SKColors.White);
            canvas.DrawText("Hello", 10, 30, SKTextAlign.Left, font, paint);
        }
        var img = ImageIO.FromBitmap(bmp);
        Assert.True(Pixels.Count(img, Pixels.Dark, 0, 0, 100, 40) > 60, "no dark text pixels where the text was drawn");
        Assert.Equal(0, Pixels.Count(img, Pixels.Dark, 110, 0, 200, 40));
    }
}

public class ImagingIOTests
{
    [Fact]
    public void BitmapRoundTripKeepsEveryByte()
    {
        var rng = new Random(3);
        var img = new RgbImage(7, 5, Enumerable.Range(0, 7 * 5 * 3).Select(_ => rng.Next(256) / 255f).ToArray());
        using var bmp = ImageIO.ToBitmap(img);
        var back = ImageIO.FromBitmap(bmp);
        Assert.Equal((7, 5), (back.Height, back.Width));
        for (int i = 0; i < img.Pixels.Length; i++) Assert.Equal(ImageIO.ToByte(img.Pixels[i]), ImageIO.ToByte(back.Pixels[i]));
    }

    [Fact]
    public void LoadImageNamesAMissingFile()
    {
        var e = Assert.Throws<UserError>(() => ImageIO.LoadImage("/nonexistent/x.png"));
        Assert.Contains("/nonexistent/x.png", e.Message);
    }
}

public class ImagingContactSheetTests
{
    private static readonly SKColor[] TileColors = [SKColors.Red, SKColors.Lime, SKColors.Blue, new(0x80, 0x40, 0x10), SKColors.Magenta];

    private static List<RgbImage> Tiles() =>
        TileColors.Select(c => RgbImage.Filled(24, 32, c.Red / 255f, c.Green / 255f, c.Blue / 255f)).ToList();

    [Fact]
    public void PlainSheetHasExactGeometryAndTilesInPlace()
    {
        var img = ContactSheet.Compose(Tiles(), columns: 3, tileScale: 2);
        const int gap = 8, w = 64, h = 48;
        Assert.Equal(3 * w + 4 * gap, img.Width);
        Assert.Equal(2 * h + 3 * gap, img.Height);
        for (int n = 0; n < TileColors.Length; n++)
        {
            int x0 = gap + (n % 3) * (w + gap), y0 = gap + (n / 3) * (h + gap);
            foreach (var (dx, dy) in new[] { (0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (w / 2, h / 2) })
                Assert.True(Pixels.Near(Pixels.At(img, x0 + dx, y0 + dy), TileColors[n], 0), $"tile {n} pixel ({dx},{dy})");
            Assert.True(Pixels.Near(Pixels.At(img, x0 - 1, y0 + h / 2), SKColors.White, 0), $"gap left of tile {n}");
        }
    }

    [Fact]
    public void CaptionsAndTitleAddInkedBandsWithoutChangingWidth()
    {
        var plain = ContactSheet.Compose(Tiles(), 3, tileScale: 2);
        var captions = Enumerable.Range(0, 5).Select(i => $"az {i * 72}°").ToList();
        var captioned = ContactSheet.Compose(Tiles(), 3, captions, title: "turntable", tileScale: 2);
        Assert.Equal(plain.Width, captioned.Width);
        Assert.True(captioned.Height > plain.Height + 2 * 12, $"{captioned.Height} vs {plain.Height}");

        // The title band lies above the first tile row; a caption band lies between the rows.
        int firstTileTop = Enumerable.Range(0, captioned.Height).First(y => Pixels.Near(Pixels.At(captioned, 8 + 32, y), SKColors.Red, 0));
        Assert.True(Pixels.Count(captioned, Pixels.Dark, 0, 0, captioned.Width, firstTileTop) > 30, "title has no ink");
        int captionTop = firstTileTop + 48, captionBottom = captionTop + 20;
        Assert.True(Pixels.Count(captioned, Pixels.Dark, 8, captionTop, 8 + 64, captionBottom) > 20, "caption under tile 0 has no ink");
    }

    [Fact]
    public void EmptySheetIsRefused() => Assert.Throws<InvalidOperationException>(() => new ContactSheet(2).Render());
}
