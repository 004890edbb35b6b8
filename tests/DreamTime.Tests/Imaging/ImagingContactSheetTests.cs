using DreamTime.Imaging;
using SkiaSharp;
using Xunit;

namespace DreamTime.Tests.Imaging;

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
