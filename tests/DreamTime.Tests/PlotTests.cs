using DreamTime.Imaging;
using SkiaSharp;
using Xunit;

namespace DreamTime.Tests;

public class PlotAxisScaleTests
{
    [Theory]
    [InlineData(0.13, 0.1)]
    [InlineData(0.16, 0.2)]
    [InlineData(1.0, 1.0)]
    [InlineData(2.2, 2.0)]
    [InlineData(2.3, 2.5)]
    [InlineData(3.4, 2.5)]
    [InlineData(3.6, 5.0)]
    [InlineData(7.0, 5.0)]
    [InlineData(7.2, 10.0)]
    [InlineData(180.0, 200.0)]
    [InlineData(0.00042, 0.0005)]
    public void NiceStepIsTheRoundStepNearestTheRawOne(double raw, double expected) =>
        Assert.Equal(expected, AxisScale.NiceStep(raw), 12);

    [Fact]
    public void LinearTicksAreRoundEvenlySpacedAndInsideTheRange()
    {
        var rng = new Random(11);
        for (int trial = 0; trial < 500; trial++)
        {
            double lo = (rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-4, 6)), span = rng.NextDouble() * Math.Pow(10, rng.Next(-4, 6)) + 1e-9;
            int target = rng.Next(2, 10);
            var ticks = AxisScale.LinearTicks(lo, lo + span, target);
            // The step is within a factor sqrt(2) of span/target, so the tick count is near the target.
            Assert.InRange(ticks.Count, Math.Max(1, (int)(target / 1.42)), (int)(target * 1.42) + 1);
            Assert.All(ticks, t => Assert.InRange(t.Value, lo - span * 1e-9, lo + span * (1 + 1e-9)));
            if (ticks.Count < 2) continue;
            double step = ticks[1].Value - ticks[0].Value;
            double mantissa = step / Math.Pow(10, Math.Floor(Math.Log10(step) + 1e-9));
            Assert.True(new[] { 1, 2, 2.5, 5, 10 }.Any(m => Math.Abs(m - mantissa) < 1e-4), $"step {step} for [{lo}, {lo + span}]");
            for (int i = 1; i < ticks.Count; i++) Assert.Equal(step, ticks[i].Value - ticks[i - 1].Value, step * 1e-4);
            Assert.Equal(ticks.Count, ticks.Select(t => t.Label).Distinct().Count()); // labels tell ticks apart
        }
    }

    [Fact]
    public void LabelsUseJustEnoughDecimals()
    {
        Assert.Equal(["0", "250", "500", "750", "1000"], AxisScale.LinearTicks(0, 1000, 4).Select(t => t.Label));
        Assert.Equal(["0", "0.25", "0.50", "0.75", "1.00"], AxisScale.LinearTicks(0, 1, 4).Select(t => t.Label));
        Assert.Equal(["\u22121", "0", "1"], AxisScale.LinearTicks(-1, 1, 2).Select(t => t.Label));
    }

    [Fact]
    public void FitSkipsNonFiniteValuesAndPadsTheRange()
    {
        var s = AxisScale.Fit([double.NaN, 0, 10, double.PositiveInfinity, double.NegativeInfinity], log: false);
        Assert.Equal(-0.5, s.Lo, 9);
        Assert.Equal(10.5, s.Hi, 9);
    }

    [Fact]
    public void ConstantAndEmptyDataStillGiveAnUsableRange()
    {
        var constant = AxisScale.Fit([3, 3, 3], log: false);
        Assert.True(constant.Hi > constant.Lo);
        Assert.Equal(0.5, constant.Fraction(3), 9);
        var zero = AxisScale.Fit([0, 0], log: false);
        Assert.Equal(0.5, zero.Fraction(0), 9);
        var empty = AxisScale.Fit([], log: true);
        Assert.True(empty.Hi > empty.Lo);
    }

    [Fact]
    public void LogAxisIgnoresNonPositiveValuesAndTicksAtDecades()
    {
        var s = AxisScale.Fit([-1, 0, 1e-3, 0.5, 10], log: true, padding: 0);
        Assert.Equal(-3, s.Lo, 9);
        Assert.Equal(1, s.Hi, 9);
        Assert.Equal(0.5, s.Fraction(0.1), 9);
        var ticks = s.MajorTicks(6);
        Assert.Equal([1e-3, 1e-2, 1e-1, 1, 10], ticks.Select(t => t.Value).ToArray(), new ToleranceComparer(1e-12));
        Assert.Equal("10^\u22123", ticks[0].Label);
        Assert.Contains(0.2, s.MinorTicks().Select(v => Math.Round(v, 12)));
    }

    private sealed class ToleranceComparer(double tol) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tol * Math.Max(1, Math.Abs(a));
        public int GetHashCode(double v) => 0;
    }
}

public class PlotRenderingTests
{
    private static readonly SKColor Blue = PlotPalette.At(0), Orange = PlotPalette.At(1);

    private static RgbImage SaveAndLoad(Action<string> save)
    {
        var path = Pixels.TempFile("plot.png");
        try
        {
            save(path);
            using var codec = SKCodec.Create(path);
            Assert.Equal(SKEncodedImageFormat.Png, codec.EncodedFormat);
            return ImageIO.LoadImage(path);
        }
        finally { Directory.Delete(Path.GetDirectoryName(path)!, recursive: true); }
    }

    private static double[] Range(int n) => Enumerable.Range(0, n).Select(i => (double)i).ToArray();

    [Fact]
    public void PlotPngHasTheRequestedSizeSeriesColourAndTitleInk()
    {
        var x = Range(100);
        RgbImage Draw(string title) => SaveAndLoad(path =>
        {
            var plot = new LinePlot { Title = title, XLabel = "iteration", YLabel = "loss" };
            plot.AddLine("loss", x, x.Select(v => Math.Exp(-v / 30)).ToArray());
            plot.SavePng(path, 640, 400);
        });
        var titled = Draw("Training loss");
        var untitled = Draw("");
        Assert.Equal((400, 640), (titled.Height, titled.Width));
        Assert.True(Pixels.Count(titled, p => Pixels.Near(p, Blue, 8)) > 300, "the series colour is missing");
        // The title is centred in the top strip; without a title the strip has no ink at all.
        Assert.True(Pixels.Count(titled, Pixels.Dark, 200, 0, 440, 30) > 100, "no title ink");
        Assert.Equal(0, Pixels.Count(untitled, Pixels.Dark, 200, 0, 440, 12));
    }

    [Fact]
    public void NonFiniteConstantAndEmptySeriesDrawWithoutThrowing()
    {
        var img = SaveAndLoad(path =>
        {
            var plot = new LinePlot { Title = "awkward data" };
            plot.AddLine("nan", [0, 1, 2, 3, 4, 5], [1, double.NaN, 2, double.PositiveInfinity, 3, double.NegativeInfinity]);
            plot.AddLine("constant", [0, 5], [2, 2]);
            plot.AddLine("empty", [], []);
            plot.AddScatter("all nan", [double.NaN], [double.NaN]);
            plot.LogY = true;
            plot.AddLine("non-positive on log", [0, 1, 2], [0, -1, 1]);
            plot.SavePng(path, 500, 300);
        });
        Assert.True(Pixels.Count(img, p => Pixels.Near(p, Blue, 8)) > 10);
        Assert.True(Pixels.Count(img, p => Pixels.Near(p, Orange, 8)) > 100);
    }

    [Fact]
    public void MismatchedSeriesLengthsAreRefused() =>
        Assert.Throws<ArgumentException>(() => new LinePlot().AddLine("bad", [1, 2], [1]));

    [Fact]
    public void SecondaryAxisFitsItsSeriesToTheFullHeight()
    {
        var x = Range(200);
        var img = new Func<RgbImage>(() =>
        {
            var plot = new LinePlot();
            // Side by side (so neither hides the other), each rising over its own range.
            plot.AddLine("small", x[..100], x[..100].Select(v => v / 100).ToArray());
            plot.AddLine("large", x[100..], x[100..].Select(v => 1000 + 5 * (v - 100)).ToArray(), secondaryY: true);
            plot.ShowLegend = false;
            using var bmp = plot.Render(600, 400);
            return ImageIO.FromBitmap(bmp);
        })();
        var (blueTop, blueBottom) = RowExtent(img, Blue);
        var (orangeTop, orangeBottom) = RowExtent(img, Orange);
        // Both rise over the same padded range of their own axis: on one shared axis orange would be far off-scale.
        Assert.InRange(Math.Abs(blueTop - orangeTop), 0, 3);
        Assert.InRange(Math.Abs(blueBottom - orangeBottom), 0, 3);
        Assert.True(blueBottom - blueTop > 250);
    }

    [Fact]
    public void LogAxisDrawsAnExponentialAsAStraightLine()
    {
        var x = Range(101);
        var plot = new LinePlot { LogY = true, ShowLegend = false };
        plot.AddLine("exp", x, x.Select(v => Math.Pow(10, v / 25)).ToArray());
        using var bmp = plot.Render(600, 400);
        var img = ImageIO.FromBitmap(bmp);
        var columns = Enumerable.Range(0, img.Width).Where(c => ColumnCentre(img, c, Blue) is not null).ToList();
        int left = columns.First() + 10, right = columns.Last() - 10, middle = (left + right) / 2;
        double yl = ColumnCentre(img, left, Blue)!.Value, yr = ColumnCentre(img, right, Blue)!.Value, ym = ColumnCentre(img, middle, Blue)!.Value;
        Assert.InRange(ym - (yl + (yr - yl) * (middle - left) / (right - left)), -2.0, 2.0);
        Assert.True(yl - yr > 200, "the line should rise over most of the height");
    }

    [Fact]
    public void FigurePanelsEachGetTheirPlot()
    {
        var fig = new Figure(900, 300, rows: 1, cols: 3) { Title = "schedule" };
        var t = Range(50);
        fig.Panel(0, 0).AddLine("W", t, t.Select(v => v * v).ToArray());
        fig.Panel(0, 1).AddLine("p", t, t.Select(v => Math.Sin(v / 8)).ToArray());
        fig.Panel(0, 2).AddScatter("t(i)", t, t.Select(v => 1000 - 10 * v).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => fig.Panel(0, 3));
        var img = SaveAndLoad(fig.SavePng);
        Assert.Equal((300, 900), (img.Height, img.Width));
        for (int c = 0; c < 3; c++)
            Assert.True(Pixels.Count(img, p => Pixels.Near(p, Blue, 8), c * 300, 0, (c + 1) * 300, 300) > 50, $"panel {c} has no series");
        Assert.True(Pixels.Count(img, Pixels.Dark, 380, 0, 520, 28) > 50, "no figure title ink");
    }

    private static (int Top, int Bottom) RowExtent(RgbImage img, SKColor c)
    {
        var rows = Enumerable.Range(0, img.Height).Where(y => Pixels.Count(img, p => Pixels.Near(p, c, 8), 0, y, img.Width, y + 1) > 0).ToList();
        return (rows.First(), rows.Last());
    }

    private static double? ColumnCentre(RgbImage img, int x, SKColor c)
    {
        var rows = Enumerable.Range(0, img.Height).Where(y => Pixels.Near(Pixels.At(img, x, y), c, 8)).ToList();
        return rows.Count == 0 ? null : rows.Average();
    }
}
