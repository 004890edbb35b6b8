using SkiaSharp;

namespace DreamTime.Imaging;

public enum SeriesStyle
{
    Line,
    Scatter,
    LineWithMarkers,
}

/// <summary>One data series of a <see cref="LinePlot"/>. Its data are copied when added; the look can be changed afterwards.</summary>
public sealed class PlotSeries
{
    internal PlotSeries(string label, double[] x, double[] y, SeriesStyle style, bool secondaryY, SKColor color)
    {
        Label = label; X = x; Y = y; Style = style; OnSecondaryY = secondaryY; Color = color;
    }

    /// <summary>Legend text; an empty label keeps the series out of the legend.</summary>
    public string Label { get; set; }
    public double[] X { get; }
    public double[] Y { get; }
    public SeriesStyle Style { get; set; }
    /// <summary>Plotted against the right-hand y-axis (<see cref="LinePlot.SecondaryY"/>).</summary>
    public bool OnSecondaryY { get; }
    public SKColor Color { get; set; }
    public float LineWidth { get; set; } = 1.8f;
    public float MarkerRadius { get; set; } = 3f;
    /// <summary>0..1; a faint raw curve under a smoothed one reads well.</summary>
    public float Opacity { get; set; } = 1f;
    public bool Dashed { get; set; }
}

/// <summary>Settings of one axis: label, log scale, and fixed limits (null = fitted to the data, with padding).</summary>
public sealed class PlotAxis
{
    public string Label { get; set; } = "";
    public bool Log { get; set; }
    public double? Min { get; set; }
    public double? Max { get; set; }
}

/// <summary>The fixed colour cycle for series (the familiar "tab10" colours: distinct, readable on white).</summary>
public static class PlotPalette
{
    public static readonly IReadOnlyList<SKColor> Colors =
    [
        new(0x1f, 0x77, 0xb4), new(0xff, 0x7f, 0x0e), new(0x2c, 0xa0, 0x2c), new(0xd6, 0x27, 0x28), new(0x94, 0x67, 0xbd),
        new(0x8c, 0x56, 0x4b), new(0xe3, 0x77, 0xc2), new(0x7f, 0x7f, 0x7f), new(0xbc, 0xbd, 0x22), new(0x17, 0xbe, 0xcf),
    ];

    public static SKColor At(int index) => Colors[((index % Colors.Count) + Colors.Count) % Colors.Count];
}
