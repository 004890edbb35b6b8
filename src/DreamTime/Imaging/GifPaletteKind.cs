namespace DreamTime.Imaging;

/// <summary>How the 256 colours of an animated GIF are chosen.</summary>
public enum GifPaletteKind
{
    /// <summary>Median cut over the colours of all frames: one shared palette fitted to the content (best for renders).</summary>
    MedianCut,
    /// <summary>A fixed 6x7x6 colour cube (252 colours): content-independent, coarse on smooth shading.</summary>
    ColorCube,
}
