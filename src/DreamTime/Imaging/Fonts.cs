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

    internal static float LineHeight(SKFont font) => font.Metrics.Descent - font.Metrics.Ascent;

    /// <summary>Shortens text with an ellipsis until it fits the width.</summary>
    internal static string Ellipsize(string text, SKFont font, float maxWidth)
    {
        if (font.MeasureText(text) <= maxWidth) return text;
        for (int n = text.Length - 1; n > 0; n--)
        {
            var shorter = text[..n].TrimEnd() + "\u2026";
            if (font.MeasureText(shorter) <= maxWidth) return shorter;
        }
        return "";
    }

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
