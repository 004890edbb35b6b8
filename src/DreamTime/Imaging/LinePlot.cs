using SkiaSharp;

namespace DreamTime.Imaging;

/// <summary>
/// A line/scatter chart: title, axis labels, round-number ticks with grid lines, a legend, an optional
/// right-hand y-axis for series on another scale, and optional log scales. Non-finite points (and
/// non-positive ones on a log axis) are skipped: a line breaks there instead of failing.
/// Stand-alone it renders itself as a one-panel <see cref="Figure"/>; several go into a Figure's panels.
/// </summary>
public sealed class LinePlot
{
    public const int DefaultWidth = 900, DefaultHeight = 560;

    private readonly List<PlotSeries> series = [];

    public string Title { get; set; } = "";
    public PlotAxis X { get; } = new();
    public PlotAxis Y { get; } = new();
    /// <summary>The right-hand axis; shown only when a series was added with secondaryY.</summary>
    public PlotAxis SecondaryY { get; } = new();
    public bool ShowLegend { get; set; } = true;
    public IReadOnlyList<PlotSeries> Series => series;

    public string XLabel { get => X.Label; set => X.Label = value; }
    public string YLabel { get => Y.Label; set => Y.Label = value; }
    public bool LogY { get => Y.Log; set => Y.Log = value; }

    public PlotSeries AddLine(string label, IReadOnlyList<double> x, IReadOnlyList<double> y, bool secondaryY = false) =>
        Add(label, x, y, SeriesStyle.Line, secondaryY);

    /// <summary>A line against the index 0, 1, 2, ... of each value.</summary>
    public PlotSeries AddLine(string label, IReadOnlyList<double> y, bool secondaryY = false) =>
        Add(label, Enumerable.Range(0, y.Count).Select(i => (double)i).ToArray(), y, SeriesStyle.Line, secondaryY);

    public PlotSeries AddScatter(string label, IReadOnlyList<double> x, IReadOnlyList<double> y, bool secondaryY = false) =>
        Add(label, x, y, SeriesStyle.Scatter, secondaryY);

    private PlotSeries Add(string label, IReadOnlyList<double> x, IReadOnlyList<double> y, SeriesStyle style, bool secondaryY)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count)
            throw new ArgumentException($"series '{label}': {x.Count} x values but {y.Count} y values");
        var s = new PlotSeries(label ?? "", x.ToArray(), y.ToArray(), style, secondaryY, PlotPalette.At(series.Count));
        series.Add(s);
        return s;
    }

    public SKBitmap Render(int width = DefaultWidth, int height = DefaultHeight)
    {
        var figure = new Figure(width, height);
        figure.SetPanel(0, 0, this);
        return figure.Render();
    }

    public void SavePng(string path, int width = DefaultWidth, int height = DefaultHeight)
    {
        using var bmp = Render(width, height);
        ImageIO.SavePng(path, bmp);
    }

    internal void Draw(SKCanvas canvas, SKRect cell)
    {
        using var painter = new PlotPainter(this, canvas, cell);
        painter.Paint();
    }

    /// <summary>Draws one plot into one cell of a canvas; lives only for one drawing.</summary>
    private sealed class PlotPainter : IDisposable
    {
        private const float Pad = 10, TickLength = 5, TickGap = 4, LabelGap = 8;
        private static readonly SKColor Ink = new(0x22, 0x22, 0x22), TickInk = new(0x44, 0x44, 0x44),
            Frame = new(0x88, 0x88, 0x88), Grid = new(0xe3, 0xe3, 0xe3), MinorGrid = new(0xf1, 0xf1, 0xf1);

        private readonly LinePlot plot;
        private readonly SKCanvas canvas;
        private readonly SKRect cell;
        private readonly SKFont titleFont = Fonts.Create(15, bold: true), labelFont = Fonts.Create(13), tickFont = Fonts.Create(11.5f), legendFont = Fonts.Create(11.5f),
            superscriptFont = Fonts.Create(9f);
        private readonly List<SKPoint> drawnPoints = [];
        private readonly bool hasSecondary;

        public PlotPainter(LinePlot plot, SKCanvas canvas, SKRect cell)
        {
            this.plot = plot; this.canvas = canvas; this.cell = cell;
            hasSecondary = plot.series.Any(s => s.OnSecondaryY);
        }

        public void Paint()
        {
            var primary = plot.series.Where(s => !s.OnSecondaryY).ToList();
            var secondary = plot.series.Where(s => s.OnSecondaryY).ToList();
            var xScale = AxisScale.Fit(plot.series.SelectMany(s => ValidPoints(s, plot.X.Log, AxisFor(s).Log).Select(p => p.X)), plot.X.Log, plot.X.Min, plot.X.Max);
            var yScale = AxisScale.Fit(primary.SelectMany(s => ValidPoints(s, plot.X.Log, plot.Y.Log).Select(p => p.Y)), plot.Y.Log, plot.Y.Min, plot.Y.Max);
            var y2Scale = hasSecondary
                ? AxisScale.Fit(secondary.SelectMany(s => ValidPoints(s, plot.X.Log, plot.SecondaryY.Log).Select(p => p.Y)), plot.SecondaryY.Log, plot.SecondaryY.Min, plot.SecondaryY.Max)
                : null;

            float titleH = plot.Title.Length > 0 ? LineHeight(titleFont) + LabelGap : 0;
            float labelH = LineHeight(labelFont), tickH = LineHeight(tickFont);
            float top = cell.Top + Pad + titleH + 4;
            float bottom = cell.Bottom - Pad - TickLength - TickGap - tickH - (plot.X.Label.Length > 0 ? LabelGap + labelH - 4 : 0);

            // Tick density follows the space available; the label widths then decide the side margins.
            int yTarget = Math.Max(4, (int)MathF.Round((bottom - top) / 60));
            var yTicks = yScale.MajorTicks(yTarget);
            var y2Ticks = y2Scale?.MajorTicks(yTarget) ?? [];
            float left = cell.Left + Pad + (plot.Y.Label.Length > 0 ? labelH + LabelGap : 0) + MaxWidth(yTicks) + TickGap + TickLength;
            float right = hasSecondary
                ? cell.Right - Pad - (plot.SecondaryY.Label.Length > 0 ? labelH + LabelGap : 0) - MaxWidth(y2Ticks) - TickGap - TickLength
                : cell.Right - Pad - 12;
            if (right - left < 20 || bottom - top < 20) return; // no room to draw anything sensible
            var area = new SKRect(MathF.Round(left) + 0.5f, MathF.Round(top) + 0.5f, MathF.Round(right) + 0.5f, MathF.Round(bottom) + 0.5f);
            var xTicks = FittingXTicks(xScale, area.Width);

            DrawGrid(area, xScale, yScale, xTicks, yTicks);
            canvas.Save();
            canvas.ClipRect(new SKRect(area.Left, area.Top, area.Right + 1, area.Bottom + 1));
            foreach (var s in plot.series) DrawSeries(s, area, xScale, s.OnSecondaryY ? y2Scale! : yScale, AxisFor(s).Log);
            canvas.Restore();
            DrawFrameAndTicks(area, xScale, yScale, y2Scale, xTicks, yTicks, y2Ticks);
            DrawLabels(area, primary, secondary);
            if (plot.ShowLegend) DrawLegend(area);
        }

        private PlotAxis AxisFor(PlotSeries s) => s.OnSecondaryY ? plot.SecondaryY : plot.Y;

        private static IEnumerable<(double X, double Y)> ValidPoints(PlotSeries s, bool logX, bool logY)
        {
            for (int i = 0; i < s.X.Length; i++)
                if (Placeable(s.X[i], logX) && Placeable(s.Y[i], logY)) yield return (s.X[i], s.Y[i]);
        }

        private static bool Placeable(double v, bool log) => double.IsFinite(v) && (!log || v > 0);

        private IReadOnlyList<AxisTick> FittingXTicks(AxisScale scale, float length)
        {
            for (int target = Math.Max(2, (int)(length / 80)); ; target--)
            {
                var ticks = scale.MajorTicks(target);
                float spacing = length / Math.Max(1, ticks.Count);
                if (target <= 2 || MaxWidth(ticks) + 14 <= spacing) return ticks;
            }
        }

        private void DrawGrid(SKRect area, AxisScale x, AxisScale y, IReadOnlyList<AxisTick> xTicks, IReadOnlyList<AxisTick> yTicks)
        {
            using var fill = new SKPaint { Color = SKColors.White, Style = SKPaintStyle.Fill };
            canvas.DrawRect(area, fill);
            using var minor = new SKPaint { Color = MinorGrid, StrokeWidth = 1, IsAntialias = false };
            using var major = new SKPaint { Color = Grid, StrokeWidth = 1, IsAntialias = false };
            foreach (var v in x.MinorTicks()) VerticalLine(area, Px(area, x, v), minor);
            foreach (var v in y.MinorTicks()) HorizontalLine(area, Py(area, y, v), minor);
            foreach (var t in xTicks) VerticalLine(area, Px(area, x, t.Value), major);
            foreach (var t in yTicks) HorizontalLine(area, Py(area, y, t.Value), major);
        }

        private void VerticalLine(SKRect area, float px, SKPaint paint)
        {
            px = MathF.Round(px - 0.5f) + 0.5f;
            if (px >= area.Left && px <= area.Right) canvas.DrawLine(px, area.Top, px, area.Bottom, paint);
        }

        private void HorizontalLine(SKRect area, float py, SKPaint paint)
        {
            py = MathF.Round(py - 0.5f) + 0.5f;
            if (py >= area.Top && py <= area.Bottom) canvas.DrawLine(area.Left, py, area.Right, py, paint);
        }

        private static float Px(SKRect area, AxisScale x, double v) => Clamp(area.Left + (float)x.Fraction(v) * area.Width);
        private static float Py(SKRect area, AxisScale y, double v) => Clamp(area.Bottom - (float)y.Fraction(v) * area.Height);
        // Points far outside fixed limits would otherwise overflow float precision inside Skia.
        private static float Clamp(float p) => Math.Clamp(p, -1e5f, 1e5f);

        private void DrawSeries(PlotSeries s, SKRect area, AxisScale xScale, AxisScale yScale, bool logY)
        {
            var color = s.Color.WithAlpha((byte)Math.Clamp((int)MathF.Round(s.Opacity * 255), 0, 255));
            using var stroke = new SKPaint
            {
                Color = color, Style = SKPaintStyle.Stroke, StrokeWidth = s.LineWidth, IsAntialias = true,
                StrokeJoin = SKStrokeJoin.Round, StrokeCap = SKStrokeCap.Round,
                PathEffect = s.Dashed ? SKPathEffect.CreateDash([6 * s.LineWidth / 1.8f, 4 * s.LineWidth / 1.8f], 0) : null,
            };
            using var dot = new SKPaint { Color = color, Style = SKPaintStyle.Fill, IsAntialias = true };
            bool drawLine = s.Style != SeriesStyle.Scatter, drawMarkers = s.Style != SeriesStyle.Line;

            using var path = new SKPath();
            var run = new List<SKPoint>();
            void FlushRun()
            {
                if (run.Count == 1 && drawLine && !drawMarkers) canvas.DrawCircle(run[0], s.LineWidth, dot); // an isolated point would vanish
                else if (run.Count > 1 && drawLine)
                {
                    path.MoveTo(run[0]);
                    for (int k = 1; k < run.Count; k++) path.LineTo(run[k]);
                }
                run.Clear();
            }

            SKPoint? previous = null;
            for (int i = 0; i < s.X.Length; i++)
            {
                if (!Placeable(s.X[i], plot.X.Log) || !Placeable(s.Y[i], logY)) { FlushRun(); previous = null; continue; }
                var p = new SKPoint(Px(area, xScale, s.X[i]), Py(area, yScale, s.Y[i]));
                run.Add(p);
                if (drawMarkers) canvas.DrawCircle(p, s.MarkerRadius, dot);
                RememberForLegend(previous, p, drawLine);
                previous = p;
            }
            FlushRun();
            canvas.DrawPath(path, stroke);
        }

        /// <summary>Samples what was drawn, so the legend can go where it hides the least.</summary>
        private void RememberForLegend(SKPoint? from, SKPoint to, bool joined)
        {
            if (joined && from is { } a)
            {
                float length = SKPoint.Distance(a, to);
                int steps = Math.Min(200, (int)(length / 6));
                for (int k = 1; k < steps; k++) drawnPoints.Add(a + new SKPoint((to.X - a.X) * k / steps, (to.Y - a.Y) * k / steps));
            }
            drawnPoints.Add(to);
        }

        private void DrawFrameAndTicks(SKRect area, AxisScale x, AxisScale y, AxisScale? y2,
            IReadOnlyList<AxisTick> xTicks, IReadOnlyList<AxisTick> yTicks, IReadOnlyList<AxisTick> y2Ticks)
        {
            using var frame = new SKPaint { Color = Frame, Style = SKPaintStyle.Stroke, StrokeWidth = 1, IsAntialias = false };
            canvas.DrawRect(area, frame);
            using var tick = new SKPaint { Color = Frame, StrokeWidth = 1, IsAntialias = false };
            using var text = new SKPaint { Color = TickInk, IsAntialias = true };
            float digitMiddle = -tickFont.Metrics.CapHeight / 2;
            float xLabelBaseline = area.Bottom + TickLength + TickGap - tickFont.Metrics.Ascent;

            foreach (var t in xTicks)
            {
                float px = MathF.Round(Px(area, x, t.Value) - 0.5f) + 0.5f;
                if (px < area.Left - 0.5f || px > area.Right + 0.5f) continue;
                canvas.DrawLine(px, area.Bottom, px, area.Bottom + TickLength, tick);
                DrawTickLabel(t.Label, px, xLabelBaseline, SKTextAlign.Center, text);
            }
            foreach (var t in yTicks)
            {
                float py = MathF.Round(Py(area, y, t.Value) - 0.5f) + 0.5f;
                if (py < area.Top - 0.5f || py > area.Bottom + 0.5f) continue;
                canvas.DrawLine(area.Left - TickLength, py, area.Left, py, tick);
                DrawTickLabel(t.Label, area.Left - TickLength - TickGap, py - digitMiddle, SKTextAlign.Right, text);
            }
            if (y2 is null) return;
            foreach (var t in y2Ticks)
            {
                float py = MathF.Round(Py(area, y2, t.Value) - 0.5f) + 0.5f;
                if (py < area.Top - 0.5f || py > area.Bottom + 0.5f) continue;
                canvas.DrawLine(area.Right, py, area.Right + TickLength, py, tick);
                DrawTickLabel(t.Label, area.Right + TickLength + TickGap, py - digitMiddle, SKTextAlign.Left, text);
            }
        }

        private void DrawLabels(SKRect area, List<PlotSeries> primary, List<PlotSeries> secondary)
        {
            using var ink = new SKPaint { Color = Ink, IsAntialias = true };
            if (plot.Title.Length > 0)
            {
                float centre = Math.Clamp(area.MidX, cell.Left + Pad, cell.Right - Pad);
                string title = Ellipsize(plot.Title, titleFont, cell.Width - 2 * Pad);
                float w = titleFont.MeasureText(title);
                centre = Math.Clamp(centre, cell.Left + Pad + w / 2, cell.Right - Pad - w / 2);
                canvas.DrawText(title, centre, cell.Top + Pad - titleFont.Metrics.Ascent, SKTextAlign.Center, titleFont, ink);
            }
            if (plot.X.Label.Length > 0)
                canvas.DrawText(Ellipsize(plot.X.Label, labelFont, area.Width), area.MidX, cell.Bottom - Pad - labelFont.Metrics.Descent,
                    SKTextAlign.Center, labelFont, ink);

            // With two y-axes, an axis that carries a single series takes its colour, so it is clear which is which.
            if (plot.Y.Label.Length > 0)
            {
                using var paint = AxisLabelPaint(primary);
                DrawRotated(plot.Y.Label, cell.Left + Pad - labelFont.Metrics.Ascent, area, paint);
            }
            if (hasSecondary && plot.SecondaryY.Label.Length > 0)
            {
                using var paint = AxisLabelPaint(secondary);
                DrawRotated(plot.SecondaryY.Label, cell.Right - Pad - labelFont.Metrics.Descent, area, paint);
            }
        }

        private SKPaint AxisLabelPaint(List<PlotSeries> onAxis)
        {
            var color = hasSecondary && onAxis.Count == 1 ? Darker(onAxis[0].Color) : Ink;
            return new SKPaint { Color = color, IsAntialias = true };
        }

        private static SKColor Darker(SKColor c) => new((byte)(c.Red * 0.8), (byte)(c.Green * 0.8), (byte)(c.Blue * 0.8));

        private void DrawRotated(string label, float baselineX, SKRect area, SKPaint paint)
        {
            canvas.Save();
            canvas.Translate(baselineX, area.MidY);
            canvas.RotateDegrees(-90);
            canvas.DrawText(Ellipsize(label, labelFont, area.Height), 0, 0, SKTextAlign.Center, labelFont, paint);
            canvas.Restore();
        }

        private void DrawLegend(SKRect area)
        {
            var entries = plot.series.Where(s => s.Label.Length > 0).ToList();
            if (entries.Count == 0) return;
            const float swatch = 24, inset = 8, boxPad = 7, swatchGap = 7;
            float rowH = LineHeight(legendFont) + 3;
            var labels = entries.Select(s => Ellipsize(s.Label + (hasSecondary && s.OnSecondaryY ? " (right)" : ""), legendFont,
                Math.Max(40, area.Width * 0.6f - swatch - swatchGap - 2 * boxPad))).ToList();
            float width = 2 * boxPad + swatch + swatchGap + labels.Max(l => legendFont.MeasureText(l));
            float height = 2 * boxPad + rowH * entries.Count - 3;
            if (width > area.Width - 2 * inset || height > area.Height - 2 * inset) return; // would cover the plot entirely

            // Corners before edges before the middle; among those, the place that hides the fewest drawn points.
            float l = area.Left + inset, r = area.Right - inset - width, c = area.MidX - width / 2;
            float t = area.Top + inset, b = area.Bottom - inset - height, m = area.MidY - height / 2;
            var places = new[] { (r, t), (l, t), (r, b), (l, b), (c, t), (c, b), (r, m), (l, m), (c, m) }
                .Select(p => SKRect.Create(p.Item1, p.Item2, width, height));
            var box = places.OrderBy(p => drawnPoints.Count(p.Contains)).First();

            using var background = new SKPaint { Color = SKColors.White.WithAlpha(230), Style = SKPaintStyle.Fill, IsAntialias = true };
            using var border = new SKPaint { Color = new SKColor(0xcc, 0xcc, 0xcc), Style = SKPaintStyle.Stroke, StrokeWidth = 1, IsAntialias = true };
            canvas.DrawRoundRect(box, 3, 3, background);
            canvas.DrawRoundRect(box, 3, 3, border);
            using var text = new SKPaint { Color = Ink, IsAntialias = true };
            float digitMiddle = -legendFont.Metrics.CapHeight / 2;
            for (int i = 0; i < entries.Count; i++)
            {
                var s = entries[i];
                float cy = box.Top + boxPad + rowH * i + (rowH - 3) / 2, x0 = box.Left + boxPad;
                using var stroke = new SKPaint
                {
                    Color = s.Color, StrokeWidth = Math.Max(2, s.LineWidth), IsAntialias = true, StrokeCap = SKStrokeCap.Round,
                    PathEffect = s.Dashed ? SKPathEffect.CreateDash([6, 4], 0) : null,
                };
                using var dot = new SKPaint { Color = s.Color, Style = SKPaintStyle.Fill, IsAntialias = true };
                if (s.Style != SeriesStyle.Scatter) canvas.DrawLine(x0 + 1, cy, x0 + swatch - 1, cy, stroke);
                if (s.Style != SeriesStyle.Line) canvas.DrawCircle(x0 + swatch / 2, cy, Math.Max(3, s.MarkerRadius), dot);
                canvas.DrawText(labels[i], x0 + swatch + swatchGap, cy - digitMiddle, SKTextAlign.Left, legendFont, text);
            }
        }

        public void Dispose()
        {
            titleFont.Dispose(); labelFont.Dispose(); tickFont.Dispose(); legendFont.Dispose(); superscriptFont.Dispose();
        }

        private float MaxWidth(IReadOnlyList<AxisTick> ticks) => ticks.Count == 0 ? 0 : ticks.Max(t => TickLabelWidth(t.Label));

        // A tick label is plain text, or "base^exponent" drawn with a raised, smaller exponent.
        private float TickLabelWidth(string label)
        {
            int caret = label.IndexOf('^');
            return caret < 0 ? tickFont.MeasureText(label)
                : tickFont.MeasureText(label[..caret]) + 1 + superscriptFont.MeasureText(label[(caret + 1)..]);
        }

        private void DrawTickLabel(string label, float x, float baseline, SKTextAlign align, SKPaint paint)
        {
            int caret = label.IndexOf('^');
            if (caret < 0) { canvas.DrawText(label, x, baseline, align, tickFont, paint); return; }
            float width = TickLabelWidth(label);
            float left = align switch { SKTextAlign.Center => x - width / 2, SKTextAlign.Right => x - width, _ => x };
            string main = label[..caret];
            canvas.DrawText(main, left, baseline, SKTextAlign.Left, tickFont, paint);
            canvas.DrawText(label[(caret + 1)..], left + tickFont.MeasureText(main) + 1, baseline - tickFont.Size * 0.45f, SKTextAlign.Left, superscriptFont, paint);
        }
    }

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
}
