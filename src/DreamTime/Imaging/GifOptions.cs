namespace DreamTime.Imaging;

public sealed record GifOptions
{
    /// <summary>Display time of every frame, in milliseconds (GIF stores hundredths of a second).</summary>
    public int FrameDelayMs { get; init; } = 80;
    /// <summary>Display time per frame, overriding <see cref="FrameDelayMs"/>; one entry per frame.</summary>
    public IReadOnlyList<int>? FrameDelaysMs { get; init; }
    /// <summary>How often the animation repeats: 0 = forever; null = play once (no loop extension).</summary>
    public int? LoopCount { get; init; } = 0;
    public GifPaletteKind Palette { get; init; } = GifPaletteKind.MedianCut;
    /// <summary>Ordered (Bayer 8x8) dithering, on by default: it removes the banding of smooth shading; the pattern is fixed in the
    /// picture, so still regions do not shimmer from frame to frame.</summary>
    public bool Dither { get; init; } = true;
}
