using DreamTime.Imaging;
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
