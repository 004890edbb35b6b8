using System.Numerics;
using SkiaSharp;

namespace DreamTime.Imaging;

/// <summary>
/// Tiles images into a grid with an optional caption under each tile (e.g. "az 45°") and a title on top: the
/// tiles are placed by <see cref="ImageIO.Grid(IReadOnlyList{RgbImage}, GridLayout, Vector3)"/> (tiles of different
/// sizes centred in cells as large as the largest), the text is drawn into the bands the layout leaves for it.
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
    public static RgbImage Compose(IReadOnlyList<RgbImage> images, int columns, IReadOnlyList<string>? captions = null, string title = "",
        int tileScale = 1)
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

        bool captioned = tiles.Any(t => t.Caption.Length > 0);
        int captionH = captioned ? (int)MathF.Ceiling(Fonts.LineHeight(captionFont)) + 4 : 0;
        int titleH = Title.Length > 0 ? (int)MathF.Ceiling(Fonts.LineHeight(titleFont) + Margin) : 0;
        // Smooth enlargement happens before tiling, so the grid itself only ever repeats pixels.
        var images = tiles.Select(t => SmoothScaling ? Enlarge(t.Image, TileScale) : t.Image).ToList();
        var layout = new GridLayout(images, Columns, SmoothScaling ? 1 : TileScale, Gap, titleH, captionH);
        var grid = ImageIO.Grid(images, layout, new Vector3(Background.Red / 255f, Background.Green / 255f, Background.Blue / 255f));

        var bmp = ImageIO.ToBitmap(grid);
        using var canvas = new SKCanvas(bmp);
        using var ink = new SKPaint { Color = new SKColor(0x22, 0x22, 0x22), IsAntialias = true };
        if (titleH > 0)
            canvas.DrawText(Fonts.Ellipsize(Title, titleFont, layout.Width - 2 * Margin), layout.Width / 2f,
                Margin - titleFont.Metrics.Ascent,
                SKTextAlign.Center, titleFont, ink);
        for (int n = 0; n < tiles.Count; n++)
        {
            string caption = tiles[n].Caption;
            if (caption.Length == 0) continue;
            var (cellX, cellY) = layout.CellOrigin(n);
            canvas.DrawText(Fonts.Ellipsize(caption, captionFont, layout.CellWidth), cellX + layout.CellWidth / 2f,
                cellY + layout.CellHeight + 2 - captionFont.Metrics.Ascent, SKTextAlign.Center, captionFont, ink);
        }
        canvas.Flush();
        return bmp;
    }

    private static RgbImage Enlarge(RgbImage image, int scale)
    {
        using var tile = ImageIO.ToBitmap(image);
        using var skImage = SKImage.FromBitmap(tile);
        using var big = new SKBitmap(new SKImageInfo(image.Width * scale, image.Height * scale, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(big))
            canvas.DrawImage(skImage, SKRect.Create(0, 0, big.Width, big.Height), new SKSamplingOptions(SKCubicResampler.Mitchell));
        return ImageIO.FromBitmap(big);
    }
}
