using System.Runtime.CompilerServices;
using ScottPlot;
using ScottPlot.Plottables;

namespace DreamTime.Imaging;

/// <summary>Adds <see cref="PlotLine"/>s to ScottPlot plots, and gives a y axis a log scale.</summary>
public static class PlotLines
{
    // Colours are handed out per plot, in the order series are added, whether or not a series had points to draw.
    private static readonly ConditionalWeakTable<Plot, List<PlotLine>> linesOf = new();
    private static readonly ScottPlot.Palettes.Category10 palette = new();

    public static IReadOnlyList<PlotLine> Lines(this Plot plot) => linesOf.TryGetValue(plot, out var l) ? l : [];

    /// <summary>
    /// Makes <paramref name="axis"/> (the left one by default) logarithmic: data added to it afterwards are
    /// plotted as log10 of their values, and ticks are labelled at powers of ten.
    /// </summary>
    public static void UseLogScale(this Plot plot, IYAxis? axis = null)
    {
        axis ??= plot.Axes.Left;
        if (plot.GetPlottables().Any(p => p.Axes.YAxis == axis))
            throw new InvalidOperationException("choose the log scale before adding data to the axis: data already there are linear");
        axis.TickGenerator = new LogTickGenerator();
        if (plot.Grid.YAxis == axis)
        {
            // Faint lines at 2..9 times each power of ten make the log scale readable at a glance.
            plot.Grid.YAxisStyle.MinorLineStyle.Width = 1;
            plot.Grid.YAxisStyle.MinorLineStyle.Color = Color.FromHex("#f1f1f1");
        }
    }

    public static bool IsLogScale(this IAxis axis) => axis.TickGenerator is LogTickGenerator;

    public static PlotLine AddLine(this Plot plot, string label, IReadOnlyList<double> x, IReadOnlyList<double> y,
        bool secondaryY = false) =>
        Add(plot, label, x, y, secondaryY, showLine: true);

    /// <summary>Markers without a connecting line: for data whose order carries no meaning.</summary>
    public static PlotLine AddPoints(this Plot plot, string label, IReadOnlyList<double> x, IReadOnlyList<double> y,
        bool secondaryY = false) =>
        Add(plot, label, x, y, secondaryY, showLine: false);

    private static PlotLine Add(Plot plot, string label, IReadOnlyList<double> x, IReadOnlyList<double> y, bool secondaryY, bool showLine)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        label ??= "";
        if (x.Count != y.Count) throw new ArgumentException($"series '{label}': {x.Count} x values but {y.Count} y values");
        var yAxis = secondaryY ? (IYAxis)plot.Axes.Right : plot.Axes.Left;
        bool log = yAxis.IsLogScale();
        var lines = linesOf.GetOrCreateValue(plot);

        var segments = new List<Scatter>();
        foreach (var (xs, ys) in Runs(x, y, log, breakAtGaps: showLine))
        {
            var s = plot.Add.Scatter(xs, ys);
            s.Axes.YAxis = yAxis;
            // Only the first segment speaks for the series in the legend.
            s.LegendText = segments.Count == 0 ? label + (secondaryY && label.Length > 0 ? " (right)" : "") : "";
            segments.Add(s);
        }
        var line = new PlotLine(label, segments, palette.GetColor(lines.Count), secondaryY) { ShowLine = showLine };
        lines.Add(line);
        return line;
    }

    // ScottPlot refuses an axis whose span overflows to infinity (-1e308..1e308 does); values this far out are off any useful scale anyway.
    private const double MaxMagnitude = 1e300;

    /// <summary>
    /// The placeable points as runs of consecutive ones (log10 of y on a log axis). With
    /// <paramref name="breakAtGaps"/> false all placeable points form one run.
    /// </summary>
    internal static IEnumerable<(double[] X, double[] Y)> Runs(IReadOnlyList<double> x, IReadOnlyList<double> y, bool logY,
        bool breakAtGaps = true)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        for (int i = 0; i < x.Count; i++)
        {
            bool placeable = double.IsFinite(x[i]) && double.IsFinite(y[i]) && (!logY || y[i] > 0);
            if (placeable)
            {
                xs.Add(Math.Clamp(x[i], -MaxMagnitude, MaxMagnitude));
                ys.Add(logY ? Math.Log10(y[i]) : Math.Clamp(y[i], -MaxMagnitude, MaxMagnitude));
            }
            else if (breakAtGaps && xs.Count > 0)
            {
                yield return ([.. xs], [.. ys]);
                xs.Clear(); ys.Clear();
            }
        }
        if (xs.Count > 0) yield return ([.. xs], [.. ys]);
    }
}
