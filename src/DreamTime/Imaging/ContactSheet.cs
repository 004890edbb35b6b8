using SkiaSharp;

namespace DreamTime.Imaging;

/// <summary>
/// Tiles images into a grid with an optional caption under each tile (e.g. "az 45°") and a title on top.
/// Tiles of different sizes are centred in cells as large as the largest tile.
/// </summary>
public sealed class ContactSheet
{
    private const float CaptionSize = 13, TitleSize = 16, Margin = 10;
    private readonly List<(RgbImage Image, string Caption)> tiles = [];

    public ContactSheet(int columns)
    {
        if (columns < 1) throw new ArgumentOutOfRangeException(nameof(columns), columns, "a contact sheet needs at least one column");
        Columns = columns;
    }

    public int Columns { get; }
    public string Title { get; set; } = "";
    /// <summary>Integer enlargement of every tile.</summary>
    public int TileScale { get; set; } = 1;
    /// <summary>Enlarge with a cubic filter instead of repeating pixels (which shows the true resolution).</summary>
    public bool SmoothScaling { get; set; }
    /// <summary>Space between tiles, in pixels.</summary>
    public int Gap { get; set; } = 8;
    public SKColor Background { get; set; } = SKColors.White;
    public int Count => tiles.Count;

    public ContactSheet Add(RgbImage image, string caption = "")
    {
        ArgumentNullException.ThrowIfNull(image);
        tiles.Add((image, caption ?? ""));
        return this;
    }

    /// <summary>One call for the common case: images with their captions (or none) in a grid.</summary>
    public static RgbImage Compose(IReadOnlyList<RgbImage> images, int columns, IReadOnlyList<string>? captions = null, string title = "", int tileScale = 1)
    {
        if (captions is not null && captions.Count != images.Count)
            throw new ArgumentException($"{captions.Count} captions for {images.Count} images");
        var sheet = new ContactSheet(columns) { Title = title, TileScale = tileScale };
        for (int i = 0; i < images.Count; i++) sheet.Add(images[i], captions?[i] ?? "");
        return sheet.Render();
    }

    public RgbImage Render()
    {
        using var bmp = RenderBitmap();
        return ImageIO.FromBitmap(bmp);
    }

    public void SavePng(string path)
    {
        using var bmp = RenderBitmap();
        ImageIO.SavePng(path, bmp);
    }

    public SKBitmap RenderBitmap()
    {
        if (tiles.Count == 0) throw new InvalidOperationException("contact sheet: no images were added");
        if (TileScale < 1) throw new ArgumentOutOfRangeException(nameof(TileScale), TileScale, "must be at least 1");
        using var captionFont = Fonts.Create(CaptionSize);
        using var titleFont = Fonts.Create(TitleSize, bold: true);

        int cellW = tiles.Max(t => t.Image.Width) * TileScale, cellH = tiles.Max(t => t.Image.Height) * TileScale;
        bool captioned = tiles.Any(t => t.Caption.Length > 0);
        int captionH = captioned ? (int)MathF.Ceiling(Fonts.LineHeight(captionFont)) + 4 : 0;
        int titleH = Title.Length > 0 ? (int)MathF.Ceiling(Fonts.LineHeight(titleFont) + Margin) : 0;
        int columns = Math.Min(Columns, tiles.Count), rows = (tiles.Count + Columns - 1) / Columns;
        int width = columns * cellW + (columns + 1) * Gap;
        int height = titleH + rows * (cellH + captionH) + (rows + 1) * Gap;

        var bmp = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bmp);
        canvas.Clear(Background);
        using var ink = new SKPaint { Color = new SKColor(0x22, 0x22, 0x22), IsAntialias = true };
        if (titleH > 0)
            canvas.DrawText(Fonts.Ellipsize(Title, titleFont, width - 2 * Margin), width / 2f, Margin - titleFont.Metrics.Ascent,
                SKTextAlign.Center, titleFont, ink);

        var sampling = SmoothScaling ? new SKSamplingOptions(SKCubicResampler.Mitchell) : new SKSamplingOptions(SKFilterMode.Nearest, SKMipmapMode.None);
        for (int n = 0; n < tiles.Count; n++)
        {
            var (image, caption) = tiles[n];
            float cellX = Gap + (n % Columns) * (cellW + Gap), cellY = titleH + Gap + (n / Columns) * (cellH + captionH + Gap);
            int w = image.Width * TileScale, h = image.Height * TileScale;
            using (var tile = ImageIO.ToBitmap(image))
            using (var skImage = SKImage.FromBitmap(tile))
                canvas.DrawImage(skImage, SKRect.Create(cellX + (cellW - w) / 2, cellY + (cellH - h) / 2, w, h), sampling);
            if (caption.Length > 0)
                canvas.DrawText(Fonts.Ellipsize(caption, captionFont, cellW), cellX + cellW / 2f, cellY + cellH + 2 - captionFont.Metrics.Ascent,
                    SKTextAlign.Center, captionFont, ink);
        }
        canvas.Flush();
        return bmp;
    }
}
