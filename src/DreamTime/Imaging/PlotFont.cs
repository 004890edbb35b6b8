using ScottPlot;
using SkiaSharp;

namespace DreamTime.Imaging;

/// <summary>
/// Makes ScottPlot draw its text with the embedded DejaVu Sans (<see cref="Fonts.Regular"/>). ScottPlot looks
/// fonts up by name among the system's, and a fresh machine may have none, so the embedded typeface is offered
/// to it under a name of its own that no system font can shadow.
/// </summary>
public static class PlotFont
{
    public const string Name = "DreamTime DejaVu Sans";
    private static readonly Lazy<bool> registered = new(() =>
    {
        // ScottPlot's resolver list and default font are process-wide; Lazy makes this happen once, on one thread.
        ScottPlot.Fonts.FontResolvers.Insert(0, new EmbeddedResolver());
        ScottPlot.Fonts.Default = Name;
        return true;
    });

    public static void Register() => _ = registered.Value;

    /// <summary>Sets the embedded font on every piece of text of a plot: title, axis labels, tick labels, legend.</summary>
    public static void Apply(Plot plot)
    {
        Register();
        plot.Axes.Title.Label.FontName = Name;
        plot.Axes.Title.Label.Font = null;
        foreach (var axis in plot.Axes.GetAxes())
        {
            axis.Label.FontName = Name; axis.Label.Font = null;
            axis.TickLabelStyle.FontName = Name; axis.TickLabelStyle.Font = null;
        }
        plot.Legend.FontName = Name;
    }

    // One typeface for every weight and slant: the repository carries one TTF, and ScottPlot asks for bold titles.
    private sealed class EmbeddedResolver : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            fontName == Name ? Fonts.Regular : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            fontName == Name ? Fonts.Regular : null;
    }
}
