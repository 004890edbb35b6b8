using DreamTime.Imaging;
using DreamTime.Runtime;
using Xunit;

namespace DreamTime.Tests.Imaging;

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
