using System.Numerics;
using DreamTime.Geometry;
using DreamTime.Runtime;
using Xunit;

namespace DreamTime.Tests.Geometry;

public class ChartPackerTests
{
    [Fact]
    public void RectanglesStayInsideAndApart()
    {
        var random = new Random(7);
        var sizes = Enumerable.Range(0, 200).Select(_ => new Vector2(0.05f + random.NextSingle(), 0.05f + random.NextSingle() / 2))
            .ToList();
        const int resolution = 512, gutter = 2;
        var packing = ChartPacker.Pack(sizes, resolution, gutter);
        var boxes = sizes.Select((s, i) => (
            X0: packing.X[i] - gutter, Y0: packing.Y[i] - gutter,
            X1: packing.X[i] - gutter + ChartPacker.Span(s.X, packing.Density, gutter),
            Y1: packing.Y[i] - gutter + ChartPacker.Span(s.Y, packing.Density, gutter))).ToList();
        foreach (var b in boxes) Assert.True(b.X0 >= 0 && b.Y0 >= 0 && b.X1 <= resolution && b.Y1 <= resolution, $"{b} outside");
        for (int i = 0; i < boxes.Count; i++)
            for (int j = i + 1; j < boxes.Count; j++)
            {
                var (a, b) = (boxes[i], boxes[j]);
                Assert.True(a.X1 <= b.X0 || b.X1 <= a.X0 || a.Y1 <= b.Y0 || b.Y1 <= a.Y0, $"{a} and {b} overlap");
            }
        // each chart's texels hold its extent at the common density
        for (int i = 0; i < sizes.Count; i++)
            Assert.True(packing.X[i] + sizes[i].X * packing.Density <= boxes[i].X1 - gutter + 1e-6);
    }

    [Fact]
    public void SixteenSquaresTileFourByFourAtTheLargestDensity()
    {
        // Four 64-texel cells per row: side * density + 2 gutters of 2 <= 64, so the densest packing has density 60.
        var packing = ChartPacker.Pack(Enumerable.Repeat(new Vector2(1, 1), 16).ToList(), 256, 2);
        Assert.InRange(packing.Density, 60 / 1.001, 60);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => 2 + 64 * (i % 4)).Order(), packing.X.Order());
    }

    [Fact]
    public void TooManyChartsNameTheResolution()
    {
        // Each chart needs at least 5 x 5 texels with its gutters; 20 x 20 such cells do not fit in 64 x 64.
        var e = Assert.Throws<UserError>(() => ChartPacker.Pack(Enumerable.Repeat(new Vector2(1, 1), 400).ToList(), 64, 2));
        Assert.Equal("resolution", e.Key);
    }
}
