using System.Globalization;
using DreamTime.Imaging;
using ScottPlot;
using Xunit;

namespace DreamTime.Tests.Imaging;

public class PlotLogTickTests
{
    private const string Superscripts = "⁰¹²³⁴⁵⁶⁷⁸⁹";

    /// <summary>The number a tick label stands for: "10⁻³" or a plain invariant number.</summary>
    private static double LabelValue(string label)
    {
        if (label.StartsWith("10", StringComparison.Ordinal) && label.Length > 2 && (label[2] == '⁻' || Superscripts.Contains(label[2])))
        {
            bool negative = label[2] == '⁻';
            var digits = label[(negative ? 3 : 2)..];
            Assert.NotEmpty(digits);
            int e = digits.Aggregate(0, (acc, c) => acc * 10 + Superscripts.IndexOf(c));
            Assert.DoesNotContain(digits, c => Superscripts.IndexOf(c) < 0);
            return Math.Pow(10, negative ? -e : e);
        }
        return double.Parse(label, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static bool IsPowerOfTenLabel(string label) => label.Length > 2 && label.StartsWith("10", StringComparison.Ordinal) &&
        label.Skip(2).All(c => c == '⁻' || Superscripts.Contains(c));

    [Theory]
    [InlineData(-3, "10⁻³")]
    [InlineData(0, "10⁰")]
    [InlineData(1, "10¹")]
    [InlineData(12, "10¹²")]
    [InlineData(-120, "10⁻¹²⁰")]
    public void PowersOfTenAreWrittenWithSuperscriptExponents(int exponent, string expected) =>
        Assert.Equal(expected, LogTickGenerator.PowerOfTen(exponent));

    [Fact]
    public void SeveralDecadesAreLabelledAtEachPowerOfTenWithLogSpacedMinorTicks()
    {
        var ticks = LogTickGenerator.Generate(-3.2, 1.1, target: 8);
        var major = ticks.Where(t => t.IsMajor).ToList();
        Assert.Equal([-3.0, -2, -1, 0, 1], major.Select(t => t.Position));
        Assert.Equal(["10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹"], major.Select(t => t.Label));
        var minor = ticks.Where(t => !t.IsMajor).Select(t => t.Position).ToList();
        // 2..9 times each power of ten inside the range: 10^-3.2 is about 6.3e-4, so 7, 8, 9e-4 count, 10^1.1 about 12.6, so 20 does not.
        Assert.Equal(3 + 4 * 8, minor.Count);
        foreach (var u in minor)
        {
            double mantissa = Math.Pow(10, u - Math.Floor(u + 1e-9));
            Assert.InRange(Math.Abs(mantissa - Math.Round(mantissa)), 0, 1e-9);
            Assert.InRange(Math.Round(mantissa), 2, 9);
            Assert.InRange(u, -3.2, 1.1);
        }
    }

    [Fact]
    public void ManyDecadesAreLabelledAtRoundExponentsOnly()
    {
        var major = LogTickGenerator.Generate(-300, 300, target: 8).Where(t => t.IsMajor).ToList();
        Assert.InRange(major.Count, 3, 13);
        int step = (int)Math.Round(major[1].Position - major[0].Position);
        Assert.Contains(step, new[] { 1, 2, 5, 10, 20, 50, 100, 200, 500 });
        Assert.All(major, t => Assert.Equal(0, (int)Math.Round(t.Position) % step));
        Assert.All(major, t => Assert.True(IsPowerOfTenLabel(t.Label), t.Label));
    }

    [Fact]
    public void EveryLabelNamesTheValueAtItsPosition()
    {
        // Wide and narrow ranges alike: a label that disagreed with its place on the axis would misreport the data.
        var rng = new Random(5);
        for (int trial = 0; trial < 400; trial++)
        {
            double lo = rng.NextDouble() * 40 - 20, span = Math.Pow(10, rng.NextDouble() * 4 - 3); // 0.001 to 10 decades
            int target = rng.Next(2, 12);
            var ticks = LogTickGenerator.Generate(lo, lo + span, target);
            var major = ticks.Where(t => t.IsMajor).ToList();
            Assert.True(major.Count >= 2, $"[{lo}, {lo + span}] has {major.Count} labelled ticks");
            Assert.True(major.Count <= 1.5 * target + 2, $"[{lo}, {lo + span}] target {target}: {major.Count} labelled ticks");
            foreach (var t in ticks)
                Assert.InRange(t.Position, lo - 1e-9, lo + span + 1e-9);
            foreach (var t in major)
            {
                double value = LabelValue(t.Label);
                Assert.True(Math.Abs(Math.Log10(value) - t.Position) < 2e-3 * Math.Max(1e-3, span),
                    $"label {t.Label} at 10^{t.Position} in [{lo}, {lo + span}]");
            }
            Assert.Equal(major.Count, major.Select(t => t.Label).Distinct().Count());
        }
    }

    [Fact]
    public void LessThanThreeDecadesUseRoundNumbers()
    {
        var major = LogTickGenerator.Generate(Math.Log10(1.2), Math.Log10(60), target: 8)
            .Where(t => t.IsMajor).Select(t => t.Label).ToList();
        Assert.Equal(["2", "5", "10", "20", "50"], major);
    }

    [Theory]
    [InlineData(double.NaN, 1)]
    [InlineData(0, double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity, double.PositiveInfinity)]
    [InlineData(2, 2)]
    public void DegenerateRangesGiveNoTicks(double lo, double hi) =>
        Assert.Empty(LogTickGenerator.Generate(lo, hi, 6));

    [Fact]
    public void AnInvertedRangeGivesTheSameTicks() =>
        Assert.Equal(LogTickGenerator.Generate(-2, 3, 6).Select(t => (t.Position, t.Label)),
            LogTickGenerator.Generate(3, -2, 6).Select(t => (t.Position, t.Label)));
}
