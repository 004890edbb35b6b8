using DreamTime.Imaging;
using ScottPlot;
using SkiaSharp;
using Xunit;

namespace DreamTime.Tests.Imaging;

public class PlotFigureTests
{
    private static readonly SKColor Blue = new ScottPlot.Palettes.Category10().GetColor(0).ToSKColor();
    private static readonly SKColor Orange = new ScottPlot.Palettes.Category10().GetColor(1).ToSKColor();

    private static double[] Range(int n) => Enumerable.Range(0, n).Select(i => (double)i).ToArray();

    /// <summary>Saves through <paramref name="save"/>, checks the file is a PNG and that nothing else was left beside it.</summary>
    private static RgbImage SaveAndLoad(Action<string> save)
    {
        var path = Pixels.TempFile("plot.png");
        var dir = Path.GetDirectoryName(path)!;
        try
        {
            save(path);
            Assert.Equal(["plot.png"], Directory.GetFiles(dir).Select(Path.GetFileName));
            using (var codec = SKCodec.Create(path))
            {
                Assert.NotNull(codec);
                Assert.Equal(SKEncodedImageFormat.Png, codec.EncodedFormat);
            }
            return ImageIO.LoadImage(path);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static int DistinctColours(RgbImage img) =>
        Enumerable.Range(0, img.Width * img.Height).Select(i => Pixels.At(img, i % img.Width, i / img.Width)).Distinct().Count();

    [Fact]
    public void APngOfTheRequestedSizeWithEachPanelsSeriesAndTheTitle()
    {
        RgbImage Draw(string title) => SaveAndLoad(path =>
        {
            using var fig = new PanelFigure(900, 300, rows: 1, cols: 3) { Title = title };
            var t = Range(50);
            fig.Panel(0, 0).AddLine("W", t, t.Select(v => v * v).ToArray());
            fig.Panel(0, 1).AddLine("p", t, t.Select(v => Math.Sin(v / 8)).ToArray());
            fig.Panel(0, 2).AddPoints("t(i)", t, t.Select(v => 1000 - 10 * v).ToArray());
            Assert.Throws<ArgumentOutOfRangeException>(() => fig.Panel(0, 3));
            fig.SavePng(path);
        });
        var titled = Draw("schedule");
        var untitled = Draw("");
        Assert.Equal((300, 900), (titled.Height, titled.Width));
        Assert.True(DistinctColours(titled) > 20, "the picture is nearly blank");
        for (int c = 0; c < 3; c++)
            Assert.True(Pixels.Count(titled, p => Pixels.Near(p, Blue, 8), c * 300, 0, (c + 1) * 300, 300) > 50,
                $"panel {c} has no series");
        // The title is centred in the top strip; without one the strip stays white.
        Assert.True(Pixels.Count(titled, Pixels.Dark, 380, 0, 520, 28) > 50, "no figure title ink");
        Assert.Equal(0, Pixels.Count(untitled, Pixels.Dark, 380, 0, 520, 12));
    }

    [Fact]
    public void ScottPlotTextUsesTheEmbeddedFont()
    {
        PlotFont.Register();
        Assert.Same(DreamTime.Imaging.Fonts.Regular, ScottPlot.Fonts.GetTypeface(PlotFont.Name, false, false));
        Assert.Same(DreamTime.Imaging.Fonts.Regular, ScottPlot.Fonts.GetTypeface(PlotFont.Name, true, false));

        using var fig = new PanelFigure(500, 350);
        var plot = fig.Panel(0, 0);
        plot.Title("Training loss");
        plot.XLabel("iteration");
        plot.YLabel("loss");
        plot.AddLine("loss", Range(20), Range(20));
        var img = fig.ToImage();
        Assert.Equal(PlotFont.Name, plot.Axes.Title.Label.FontName);
        Assert.All(plot.Axes.GetAxes(), a => Assert.Equal(PlotFont.Name, a.TickLabelStyle.FontName));
        Assert.Equal(PlotFont.Name, plot.Legend.FontName);
        // The panel title is text centred at the top; a typeface without glyphs would leave it white.
        Assert.True(Pixels.Count(img, Pixels.Dark, 150, 0, 350, 40) > 40, "no panel title ink");
    }

    [Fact]
    public void AwkwardDataStillGiveAValidPicture()
    {
        var img = SaveAndLoad(path =>
        {
            using var fig = new PanelFigure(1200, 400, rows: 2, cols: 3);
            var a = fig.Panel(0, 0);
            a.AddLine("nan", [0, 1, 2, 3, 4, 5], [1, double.NaN, 2, double.PositiveInfinity, 3, double.NegativeInfinity]);
            a.AddLine("constant", [0, 5], [2, 2]);
            a.AddLine("empty", [], []);
            a.AddPoints("all nan", [double.NaN], [double.NaN]);
            a.AddLine("single", [2.5], [1.5]);
            var b = fig.Panel(0, 1);
            b.UseLogScale();
            b.AddLine("non-positive on log", [0, 1, 2, 3], [0, -1, 1, 1e-3]);
            b.AddLine("constant on log", [0, 3], [0.5, 0.5]);
            var c = fig.Panel(0, 2);
            c.UseLogScale();
            c.AddLine("nothing placeable", [0, 1], [0, -5]);
            var d = fig.Panel(1, 0);
            d.AddLine("extreme", [0, 1, 2], [-1e308, double.MaxValue, 0]);
            fig.Panel(1, 1); // asked for, never given data
            var e = fig.Panel(1, 2);
            e.UseLogScale();
            e.AddLine("tiny and huge", [0, 1], [double.Epsilon, 1e300]);
            fig.SavePng(path);
        });
        Assert.Equal((400, 1200), (img.Height, img.Width));
        Assert.True(Pixels.Count(img, p => Pixels.Near(p, Blue, 8)) > 10);
        Assert.True(Pixels.Count(img, p => Pixels.Near(p, Orange, 8)) > 100);
    }

    [Fact]
    public void AWriteThatFailsLeavesNoTemporaryFile()
    {
        var dir = Path.GetDirectoryName(Pixels.TempFile("x"))!;
        try
        {
            var target = Path.Combine(dir, "curves.png");
            Directory.CreateDirectory(target); // a folder where the file should go: the final rename must fail
            using var fig = new PanelFigure(300, 200);
            fig.Panel(0, 0).AddLine("a", [0, 1], [0, 1]);
            Assert.ThrowsAny<IOException>(() => fig.SavePng(target));
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void AnExponentialOnALogAxisIsAStraightLine()
    {
        var x = Range(101);
        using var fig = new PanelFigure(600, 400);
        var plot = fig.Panel(0, 0);
        plot.UseLogScale();
        plot.AddLine("exp", x, x.Select(v => Math.Pow(10, v / 25)).ToArray());
        plot.Legend.IsVisible = false;
        var img = fig.ToImage();
        var columns = Enumerable.Range(0, img.Width).Where(c => ColumnCentre(img, c, Blue) is not null).ToList();
        int left = columns.First() + 10, right = columns.Last() - 10, middle = (left + right) / 2;
        double yl = ColumnCentre(img, left, Blue)!.Value, yr = ColumnCentre(img, right, Blue)!.Value,
            ym = ColumnCentre(img, middle, Blue)!.Value;
        Assert.InRange(ym - (yl + (yr - yl) * (middle - left) / (right - left)), -2.0, 2.0);
        Assert.True(yl - yr > 200, "the line should rise over most of the height");
    }

    [Fact]
    public void TheSecondaryAxisFitsItsSeriesToTheFullHeight()
    {
        var x = Range(200);
        using var fig = new PanelFigure(600, 400);
        var plot = fig.Panel(0, 0);
        // Side by side (so neither hides the other), each rising over its own range.
        plot.AddLine("small", x[..100], x[..100].Select(v => v / 100).ToArray());
        plot.AddLine("large", x[100..], x[100..].Select(v => 1000 + 5 * (v - 100)).ToArray(), secondaryY: true);
        plot.Legend.IsVisible = false;
        var img = fig.ToImage();
        var (blueTop, blueBottom) = RowExtent(img, Blue);
        var (orangeTop, orangeBottom) = RowExtent(img, Orange);
        // On one shared axis orange would be far off-scale; on its own it spans the same height as blue.
        Assert.InRange(Math.Abs(blueTop - orangeTop), 0, 3);
        Assert.InRange(Math.Abs(blueBottom - orangeBottom), 0, 3);
        Assert.True(blueBottom - blueTop > 250);
    }

    [Fact]
    public void TheLegendMovesAwayFromTheData()
    {
        using var fig = new PanelFigure(600, 400);
        var plot = fig.Panel(0, 0);
        // A dense cloud in the upper right quarter, a lone point at the lower left to set the range.
        var rng = new Random(3);
        var xs = Enumerable.Range(0, 400).Select(_ => 60 + 40 * rng.NextDouble()).Append(0).ToArray();
        var ys = Enumerable.Range(0, 400).Select(_ => 60 + 40 * rng.NextDouble()).Append(0).ToArray();
        plot.AddPoints("cloud", xs, ys);
        plot.Legend.Alignment = Alignment.UpperRight;
        using var _ = fig.Render();
        Assert.NotEqual(Alignment.UpperRight, plot.Legend.Alignment);
    }

    private static (int Top, int Bottom) RowExtent(RgbImage img, SKColor c)
    {
        var rows = Enumerable.Range(0, img.Height).Where(y =>
            Pixels.Count(img, p => Pixels.Near(p, c, 8), 0, y, img.Width, y + 1) > 0).ToList();
        return (rows.First(), rows.Last());
    }

    private static double? ColumnCentre(RgbImage img, int x, SKColor c)
    {
        var rows = Enumerable.Range(0, img.Height).Where(y => Pixels.Near(Pixels.At(img, x, y), c, 8)).ToList();
        return rows.Count == 0 ? null : rows.Average();
    }
}
