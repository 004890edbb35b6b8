using System.Globalization;
using ScottPlot;
using SkiaSharp;

namespace DreamTime.Imaging;

/// <summary>
/// A picture made of a grid of ScottPlot panels (e.g. 1x3) under an optional overall title, drawn with the
/// embedded font and saved atomically as a PNG.
/// </summary>
public sealed class PanelFigure : IDisposable
{
    private readonly Plot?[,] panels;
    private readonly HashSet<Plot> fitted = [];

    public PanelFigure(int width, int height, int rows = 1, int cols = 1)
    {
        if (width < 64 || height < 64 || width > 16384 || height > 16384)
            throw new ArgumentOutOfRangeException(nameof(width), $"figure size {width}x{height}: each side must be 64..16384 pixels");
        if (rows < 1 || cols < 1 || rows > 16 || cols > 16)
            throw new ArgumentOutOfRangeException(nameof(rows), $"figure grid {rows}x{cols}: rows and columns must be 1..16");
        Width = width; Height = height; Rows = rows; Columns = cols;
        // Labels take the font name current when a plot is made, so the embedded one must be known first.
        PlotFont.Register();
        panels = new Plot?[rows, cols];
    }

    public int Width { get; }
    public int Height { get; }
    public int Rows { get; }
    public int Columns { get; }
    /// <summary>A title over all panels; empty for none.</summary>
    public string Title { get; set; } = "";

    /// <summary>The panel at (row, col), created on first use; panels never asked for stay blank.</summary>
    public Plot Panel(int row, int col)
    {
        if (row < 0 || row >= Rows || col < 0 || col >= Columns)
            throw new ArgumentOutOfRangeException(nameof(row), $"panel ({row},{col}) is outside the {Rows}x{Columns} figure");
        return panels[row, col] ??= NewPanel();
    }

    private static Plot NewPanel()
    {
        var plot = new Plot();
        plot.Axes.Title.Label.FontSize = 15;
        foreach (var axis in plot.Axes.GetAxes())
        {
            axis.Label.FontSize = 14;
            axis.TickLabelStyle.FontSize = 11.5f;
            if (axis.TickGenerator is ScottPlot.TickGenerators.NumericAutomatic numeric)
            {
                numeric.LabelFormatter = TickLabel;
                // ScottPlot's default density labels every 0.1 of a 0..1 axis: too busy for panels a third of a figure wide.
                numeric.TickDensity = 0.6;
            }
        }
        plot.Legend.FontSize = 11.5f;
        plot.Legend.ShadowColor = Colors.Transparent;
        plot.Legend.OutlineColor = Color.FromHex("#cccccc");
        plot.Legend.BackgroundColor = Colors.White.WithAlpha(0.85);
        plot.Grid.MajorLineColor = Color.FromHex("#e6e6e6");
        return plot;
    }

    // ScottPlot's default follows the machine's culture (1,000 or 1.000); these files should read the same everywhere.
    internal static string TickLabel(double value)
    {
        double v = Math.Round(value, 10), a = Math.Abs(v);
        string label = a >= 1e6 || (a > 0 && a < 1e-4)
            ? v.ToString("0.###e0", CultureInfo.InvariantCulture)
            : v.ToString("G10", CultureInfo.InvariantCulture);
        return label == "-0" ? "0" : label.Replace('-', '\u2212');
    }

    public SKBitmap Render()
    {
        var bmp = new SKBitmap(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bmp);
        canvas.Clear(SKColors.White);
        float top = 0;
        if (Title.Length > 0)
        {
            using var font = Fonts.Create(18, bold: true);
            using var ink = new SKPaint { Color = new SKColor(0x11, 0x11, 0x11), IsAntialias = true };
            canvas.DrawText(Fonts.Ellipsize(Title, font, Width - 20), Width / 2f, 10 - font.Metrics.Ascent, SKTextAlign.Center, font, ink);
            top = 10 + Fonts.LineHeight(font) + 4;
        }
        float cellW = Width / (float)Columns, cellH = (Height - top) / Rows;
        for (int r = 0; r < Rows; r++)
            for (int c = 0; c < Columns; c++)
            {
                if (panels[r, c] is not { } plot) continue;
                PlotFont.Apply(plot);
                StyleAxisLabels(plot);
                // ScottPlot's render-time autoscale fits a shared x axis to the first y axis's data only, cutting off
                // series on the secondary axis; fitting every axis to all the data that uses it avoids that.
                // Limits a caller set are left alone; those fitted here are fitted again, to data added since.
                if (plot.GetPlottables().Any() && (fitted.Contains(plot) || !plot.Axes.GetAxes().Any(a => a.Range.HasBeenSet)))
                {
                    plot.Axes.AutoScale();
                    fitted.Add(plot);
                }
                // The panels share one canvas: clearing it for each would wipe the title and the panels before.
                plot.RenderManager.ClearCanvasBeforeEachRender = false;
                // A small inset keeps one panel's right-hand axis label clear of the next panel's left-hand one.
                var cell = new PixelRect(c * cellW + CellInset, (c + 1) * cellW - CellInset, top + (r + 1) * cellH, top + r * cellH);
                RenderPanel(plot, canvas, cell);
                // Where the legend hides least of the data is known only once the axes are laid out.
                if (PlaceLegend(plot)) RenderPanel(plot, canvas, cell);
            }
        canvas.Flush();
        return bmp;
    }

    private const float CellInset = 6;

    private static void RenderPanel(Plot plot, SKCanvas canvas, PixelRect cell)
    {
        canvas.Save();
        plot.Render(canvas, cell);
        canvas.Restore();
    }

    private static readonly Alignment[] LegendPlaces =
    [
        Alignment.UpperRight, Alignment.UpperLeft, Alignment.LowerRight, Alignment.LowerLeft,
        Alignment.UpperCenter, Alignment.LowerCenter, Alignment.MiddleRight, Alignment.MiddleLeft,
    ];

    /// <summary>Moves the legend to the place (corners first) that covers the fewest drawn points; true if it moved.</summary>
    private static bool PlaceLegend(Plot plot)
    {
        var size = plot.Legend.LastRenderSize;
        if (!plot.Legend.IsVisible || !(size.Width > 0 && size.Height > 0)) return false;
        var area = plot.LastRender.DataRect.Contract(plot.Legend.Margin);
        var drawn = DrawnPixels(plot);
        var best = LegendPlaces
            .Select((place, order) =>
                (place, order, hidden: drawn.Count(new PixelRect(new Pixel(0, 0), size).AlignedInside(area, place).Contains)))
            .OrderBy(p => p.hidden).ThenBy(p => p.order).First().place;
        if (best == plot.Legend.Alignment) return false;
        plot.Legend.Alignment = best;
        return true;
    }

    // The points of every line and, for lines, samples every few pixels along the segments between them.
    private static List<Pixel> DrawnPixels(Plot plot)
    {
        var result = new List<Pixel>();
        foreach (var line in plot.Lines())
            foreach (var s in line.Segments)
            {
                var pts = s.Data.GetScatterPoints().Select(p => plot.GetPixel(p, s.Axes.XAxis, s.Axes.YAxis)).ToList();
                for (int i = 0; i < pts.Count; i++)
                {
                    result.Add(pts[i]);
                    if (i == 0 || !line.ShowLine) continue;
                    float dx = pts[i].X - pts[i - 1].X, dy = pts[i].Y - pts[i - 1].Y;
                    int steps = Math.Min(1000, (int)(MathF.Sqrt(dx * dx + dy * dy) / 4));
                    for (int k = 1; k < steps; k++) result.Add(new Pixel(pts[i - 1].X + dx * k / steps, pts[i - 1].Y + dy * k / steps));
                }
            }
        return result;
    }

    // With a second y axis, an axis label in the colour of its only series tells which line reads against which axis.
    private static void StyleAxisLabels(Plot plot)
    {
        var lines = plot.Lines();
        if (!lines.Any(l => l.OnSecondaryY)) return;
        foreach (var (axis, secondary) in new (IYAxis, bool)[] { (plot.Axes.Left, false), (plot.Axes.Right, true) })
        {
            var onAxis = lines.Where(l => l.OnSecondaryY == secondary).ToList();
            if (onAxis.Count == 1) axis.Label.ForeColor = onAxis[0].Color.Darken(0.2);
        }
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

    public void Dispose()
    {
        foreach (var plot in panels) plot?.Dispose();
    }
}
