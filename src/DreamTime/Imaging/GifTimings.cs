namespace DreamTime.Imaging;

/// <summary>Seconds spent in each stage of <see cref="GifWriter.Encode"/>, added to by every encode it is passed to.</summary>
public sealed class GifTimings
{
    /// <summary>Float pixels to bytes; the shared palette; nearest-colour indices (with dithering); LZW; the file's bytes.</summary>
    public double Convert, Palette, Index, Compress, Write;
}
