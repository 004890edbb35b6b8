using SkiaSharp;

namespace DreamTime.Imaging;

/// <summary>
/// The typeface used for every piece of text the library draws. It is DejaVu Sans embedded in the
/// assembly (see Fonts/DejaVuSans-LICENSE.txt): SkiaSharp's default typeface has no glyphs on a machine
/// without fontconfig, which would silently turn titles and labels into nothing.
/// </summary>
public static class Fonts
{
    private const string ResourceName = "DreamTime.Imaging.Fonts.DejaVuSans.ttf";
    private static readonly Lazy<SKTypeface> regular = new(LoadEmbedded);

    public static SKTypeface Regular => regular.Value;

    /// <summary>A font of the embedded typeface; bold is synthesised (one TTF keeps the repository small).</summary>
    public static SKFont Create(float size, bool bold = false) =>
        new(Regular, size) { Edging = SKFontEdging.Antialias, Subpixel = true, Embolden = bold, Hinting = SKFontHinting.Slight };

    private static SKTypeface LoadEmbedded()
    {
        using var stream = typeof(Fonts).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded font {ResourceName} is missing from the DreamTime assembly");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        // SKData keeps its own copy of the bytes, so the typeface stays valid after the streams are gone.
        using var data = SKData.CreateCopy(buffer.ToArray());
        var typeface = SKTypeface.FromData(data)
            ?? throw new InvalidOperationException($"embedded font {ResourceName} could not be parsed by SkiaSharp");
        return typeface;
    }
}
