using SkiaSharp;

namespace DreamTime.Imaging;

/// <summary>
/// A picture made of a grid of <see cref="LinePlot"/> panels (e.g. 1x3 or 3x1) with an optional overall title.
/// Panels that are never asked for stay blank.
/// </summary>
public sealed class Figure
{
    private readonly LinePlot?[,] panels;

    public Figure(int width = LinePlot.DefaultWidth, int height = LinePlot.DefaultHeight, int rows = 1, int cols = 1)
    {
        if (width < 64 || height < 64 || width > 16384 || height > 16384)
            throw new ArgumentOutOfRangeException(nameof(width), $"figure size {width}x{height}: each side must be 64..16384 pixels");
        if (rows < 1 || cols < 1 || rows > 16 || cols > 16)
            throw new ArgumentOutOfRangeException(nameof(rows), $"figure grid {rows}x{cols}: rows and columns must be 1..16");
        Width = width; Height = height; Rows = rows; Columns = cols;
        panels = new LinePlot?[rows, cols];
    }

    public int Width { get; }
    public int Height { get; }
    public int Rows { get; }
    public int Columns { get; }
    /// <summary>A title over all panels; empty for none.</summary>
    public string Title { get; set; } = "";

    /// <summary>The panel at (row, col), created on first use.</summary>
    public LinePlot Panel(int row, int col)
    {
        CheckCell(row, col);
        return panels[row, col] ??= new LinePlot();
    }

    internal void SetPanel(int row, int col, LinePlot plot)
    {
        CheckCell(row, col);
        panels[row, col] = plot;
    }

    private void CheckCell(int row, int col)
    {
        if (row < 0 || row >= Rows || col < 0 || col >= Columns)
            throw new ArgumentOutOfRangeException(nameof(row), $"panel ({row},{col}) is outside the {Rows}x{Columns} figure");
    }

    public SKBitmap Render()
    {
        var bmp = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bmp);
        canvas.Clear(SKColors.White);
        float top = 0;
        if (Title.Length > 0)
        {
            using var font = Fonts.Create(17, bold: true);
            using var ink = new SKPaint { Color = new SKColor(0x11, 0x11, 0x11), IsAntialias = true };
            string title = LinePlot.Ellipsize(Title, font, Width - 20);
            canvas.DrawText(title, Width / 2f, 10 - font.Metrics.Ascent, SKTextAlign.Center, font, ink);
            top = 10 + LinePlot.LineHeight(font) + 2;
        }
        float cellW = Width / (float)Columns, cellH = (Height - top) / Rows;
        for (int r = 0; r < Rows; r++)
            for (int c = 0; c < Columns; c++)
                panels[r, c]?.Draw(canvas, SKRect.Create(c * cellW, top + r * cellH, cellW, cellH));
        canvas.Flush();
        return bmp;
    }

    public RgbImage ToImage()
    {
        using var bmp = Render();
        return ImageIO.FromBitmap(bmp);
    }

    public void SavePng(string path)
    {
        using var bmp = Render();
        ImageIO.SavePng(path, bmp);
    }
}
