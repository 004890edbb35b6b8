using ScottPlot;
using ScottPlot.Plottables;

namespace DreamTime.Imaging;

/// <summary>
/// One labelled data series on a ScottPlot <see cref="Plot"/>. Points that cannot be placed (NaN, ±∞, and
/// zero or negative values on a log axis) are left out and the line breaks there, so the series may be drawn
/// as several <see cref="Scatter"/> segments (none when nothing can be placed); its look applies to all of them.
/// </summary>
public sealed class PlotLine
{
    private readonly List<Scatter> segments;
    private Color color;
    private float lineWidth = 1.8f, markerSize;
    private double opacity = 1;
    private bool dashed, showLine = true;

    internal PlotLine(string label, List<Scatter> segments, Color color, bool onSecondaryY)
    {
        Label = label; this.segments = segments; this.color = color; OnSecondaryY = onSecondaryY;
        Restyle();
    }

    public string Label { get; }
    public bool OnSecondaryY { get; }
    public IReadOnlyList<Scatter> Segments => segments;
    public int PointCount => segments.Sum(s => s.Data.GetScatterPoints().Count);

    public Color Color { get => color; set { color = value; Restyle(); } }
    public float LineWidth { get => lineWidth; set { lineWidth = value; Restyle(); } }
    /// <summary>Marker diameter in pixels; 0 draws the line alone.</summary>
    public float MarkerSize { get => markerSize; set { markerSize = value; Restyle(); } }
    /// <summary>0..1; a faint raw curve reads well under a bold one.</summary>
    public double Opacity { get => opacity; set { opacity = Math.Clamp(value, 0, 1); Restyle(); } }
    public bool Dashed { get => dashed; set { dashed = value; Restyle(); } }
    /// <summary>False draws the markers alone (a scatter plot).</summary>
    public bool ShowLine { get => showLine; set { showLine = value; Restyle(); } }

    private void Restyle()
    {
        var c = color.WithAlpha(opacity);
        foreach (var s in segments)
        {
            s.Color = c;
            s.LineWidth = showLine ? lineWidth : 0;
            s.LinePattern = dashed ? LinePattern.Dashed : LinePattern.Solid;
            // A segment of one point has no line to show; without a marker it would vanish.
            s.MarkerSize = s.Data.GetScatterPoints().Count == 1 || !showLine ? Math.Max(markerSize, 2.5f * lineWidth) : markerSize;
            s.MarkerShape = MarkerShape.FilledCircle;
        }
    }
}
