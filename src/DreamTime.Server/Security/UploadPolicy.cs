namespace DreamTime.Server.Security;

/// <summary>What a picture uploaded from the page may be: small enough, and a PNG, JPEG or WebP by its first bytes.</summary>
public static class UploadPolicy
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <returns>the file extension to keep it under</returns>
    /// <exception cref="UploadRefusedException">the status code and the reason</exception>
    public static string Check(string fileName, long length, ReadOnlySpan<byte> head, long maxBytes)
    {
        if (length > maxBytes)
            throw new UploadRefusedException(413, $"image {fileName}: {length} bytes, over the {maxBytes >> 20} MB limit");
        if (length == 0) throw new UploadRefusedException(400, $"image {fileName}: empty file");
        if (head.StartsWith(PngSignature)) return ".png";
        if (head.StartsWith([(byte)0xFF, (byte)0xD8, (byte)0xFF])) return ".jpg";
        if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return ".webp";
        throw new UploadRefusedException(415, $"image {fileName}: not a PNG, JPEG or WebP picture");
    }
}
