using DreamTime.Server.Security;
using SkiaSharp;
using Xunit;

namespace DreamTime.Tests.Server;

/// <summary>Pictures are told apart by the first bytes that SkiaSharp's own encoders write, not by their names.</summary>
public class UploadPolicyTests
{
    private static byte[] Encoded(SKEncodedImageFormat format)
    {
        using var bitmap = new SKBitmap(8, 8);
        bitmap.Erase(SKColors.Red);
        using var data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png, ".png")]
    [InlineData(SKEncodedImageFormat.Jpeg, ".jpg")]
    [InlineData(SKEncodedImageFormat.Webp, ".webp")]
    public void EncodedPicturesAreTakenUnderTheirOwnExtension(SKEncodedImageFormat format, string extension)
    {
        var bytes = Encoded(format);
        Assert.Equal(extension, UploadPolicy.Check("named.txt", bytes.Length, bytes.AsSpan(0, 16), 1 << 20));
    }

    [Fact]
    public void OtherFilesEmptyFilesAndLargeFilesAreRefusedWithTheirStatus()
    {
        var gif = "GIF89a\0\0\0\0\0\0\0\0\0\0"u8.ToArray();
        Assert.Equal(415, Assert.Throws<UploadRefusedException>(() => UploadPolicy.Check("a.png", 16, gif, 1 << 20)).Status);
        Assert.Equal(400, Assert.Throws<UploadRefusedException>(() => UploadPolicy.Check("a.png", 0, [], 1 << 20)).Status);
        var png = Encoded(SKEncodedImageFormat.Png);
        var e = Assert.Throws<UploadRefusedException>(() => UploadPolicy.Check("big.png", (8 << 20) + 1, png.AsSpan(0, 16), 8 << 20));
        Assert.Equal(413, e.Status);
        Assert.Contains("big.png", e.Message);
    }
}
