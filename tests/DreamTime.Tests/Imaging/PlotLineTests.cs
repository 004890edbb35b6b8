using DreamTime.Imaging;
using ScottPlot;
using Xunit;

namespace DreamTime.Tests.Imaging;

public class PlotLineTests
{
    [Fact]
    public void UnplaceablePointsBreakTheLine()
    {
        var runs = PlotLines.Runs([0, 1, 2, 3, 4, 5, 6], [1, 2, double.NaN, 3, double.PositiveInfinity, double.NegativeInfinity, 4],
            logY: false).ToList();
        Assert.Equal(3, runs.Count);
        Assert.Equal([0.0, 1], runs[0].X);
        Assert.Equal([3.0], runs[1].X);
        Assert.Equal([4.0], runs[2].Y);
    }

    [Fact]
    public void ALogAxisSkipsZeroAndNegativeValuesAndTakesLog10()
    {
        var runs = PlotLines.Runs([0, 1, 2, 3, 4], [0, 100, 0.001, -1, 10], logY: true).ToList();
        Assert.Equal(2, runs.Count);
        Assert.Equal([2.0, -3], runs[0].Y.Select(v => Math.Round(v, 12)));
        Assert.Equal([1.0], runs[1].Y);
    }

    [Fact]
    public void PointsWithoutALineAreNotSplit()
    {
        var runs = PlotLines.Runs([0, 1, 2], [1, double.NaN, 3], logY: false, breakAtGaps: false).ToList();
        Assert.Single(runs);
        Assert.Equal([0.0, 2], runs[0].X);
    }

    [Fact]
    public void ASeriesHasOneLegendEntryAndOneColourAcrossItsSegments()
    {
        using var fig = new PanelFigure(400, 300);
        var plot = fig.Panel(0, 0);
        var first = plot.AddLine("a", [0, 1, 2, 3, 4], [1, 2, double.NaN, 3, 4]);
        var second = plot.AddLine("b", [0, 1], [5, 6], secondaryY: true);
        Assert.Equal(2, first.Segments.Count);
        Assert.Equal(4, first.PointCount);
        Assert.Equal(["a", "b (right)"],
            plot.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Select(s => s.LegendText).Where(t => t.Length > 0));
        Assert.NotEqual(first.Color, second.Color);
        first.Dashed = true;
        Assert.All(first.Segments, s => Assert.Equal(LinePattern.Dashed, s.LinePattern));
        Assert.All(first.Segments, s => Assert.Equal(first.Color, s.Color));
        Assert.Same(plot.Axes.Right, second.Segments[0].Axes.YAxis);
    }

    [Fact]
    public void MismatchedLengthsAreRefused()
    {
        using var fig = new PanelFigure(400, 300);
        Assert.Throws<ArgumentException>(() => fig.Panel(0, 0).AddLine("bad", [1, 2], [1]));
    }

    [Fact]
    public void TheLogScaleMustBeChosenBeforeTheData()
    {
        using var fig = new PanelFigure(400, 300);
        var plot = fig.Panel(0, 0);
        plot.AddLine("linear", [1, 2], [1, 2]);
        Assert.Throws<InvalidOperationException>(() => plot.UseLogScale());
        plot.UseLogScale(plot.Axes.Right);
        Assert.True(plot.Axes.Right.IsLogScale());
        Assert.False(plot.Axes.Left.IsLogScale());
    }
}
