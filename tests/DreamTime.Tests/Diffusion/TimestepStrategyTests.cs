using DreamTime.Diffusion;
using DreamTime.Runtime;
using Xunit;

namespace DreamTime.Tests.Diffusion;

public class TimestepStrategyTests
{
    private static readonly NoiseSchedule Sd = NoiseSchedule.StableDiffusion;

    private static int[] Run(TimestepOptions o, int iterations, long seed = 0)
    {
        var s = o.Build(Sd, iterations, seed);
        return Enumerable.Range(1, iterations).Select(s.TimestepAt).ToArray();
    }

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(1000)]
    [InlineData(2500)]
    public void TpSdsIsNonIncreasingStartsNearTMaxEndsAtTMin(int n)
    {
        var ts = Run(new TimestepOptions(), n);
        for (int i = 1; i < ts.Length; i++) Assert.True(ts[i] <= ts[i - 1], $"t({i + 1})={ts[i]} > t({i})={ts[i - 1]}");
        Assert.Equal(20, ts[^1]);
        Assert.InRange(ts[0], n >= 100 ? 960 : 940, 980);
        Assert.All(ts, t => Assert.InRange(t, 20, 980));
    }

    /// <summary>The rule written out naively, independent of the implementation's incremental search.</summary>
    private static int ReferenceTpSds(int i, int n, Func<int, double> weight, int tMin = 20, int tMax = 980)
    {
        double total = 0;
        for (int t = tMin; t <= tMax; t++) total += weight(t);
        double c = 0;
        for (int k = 0; k <= tMax - tMin; k++)
        {
            c += weight(tMax - k) / total;
            if (c >= (double)i / n - 1e-12) return Math.Max(tMax - k, tMin);
        }
        return tMin;
    }

    [Theory]
    [InlineData("wd*wp")]
    [InlineData("wp")]
    [InlineData("wd")]
    [InlineData("uniform")]
    public void TpSdsFollowsTheDocumentedRule(string prior)
    {
        double Wd(int t) => Math.Sqrt((1 - Sd.AlphasCumprod[t]) / Sd.AlphasCumprod[t]);
        double Wp(int t) => t > 800 ? Math.Exp(-Math.Pow(t - 800, 2) / (2 * 300.0 * 300.0))
            : t < 500 ? Math.Exp(-Math.Pow(t - 500, 2) / (2 * 100.0 * 100.0)) : 1;
        Func<int, double> w = prior switch { "wd*wp" => t => Wd(t) * Wp(t), "wp" => Wp, "wd" => Wd, _ => _ => 1.0 };
        const int n = 200;
        var ts = Run(new TimestepOptions { TimePrior = prior }, n);
        for (int i = 1; i <= n; i++) Assert.Equal(ReferenceTpSds(i, n, w), ts[i - 1]);
    }

    [Fact]
    public void PriorWeightHandCheckedValues()
    {
        Assert.Equal(1.0, TimePrioritizedStrategy.PriorWeight(650, 800, 500, 300, 100));
        Assert.Equal(1.0, TimePrioritizedStrategy.PriorWeight(800, 800, 500, 300, 100));
        Assert.Equal(1.0, TimePrioritizedStrategy.PriorWeight(500, 800, 500, 300, 100));
        Assert.Equal(Math.Exp(-1.0 / 18), TimePrioritizedStrategy.PriorWeight(900, 800, 500, 300, 100), 12);
        Assert.Equal(Math.Exp(-2.0), TimePrioritizedStrategy.PriorWeight(300, 800, 500, 300, 100), 12);
    }

    [Fact]
    public void UniformPriorIsLinearDescent()
    {
        // With W constant, sum_{t'=t}^{t_max} p = (t_max - t + 1)/961, so t(i) = t_max - ceil(961 i/N) + 1.
        const int n = 37;
        var ts = Run(new TimestepOptions { TimePrior = "uniform" }, n);
        for (int i = 1; i <= n; i++)
        {
            int expected = Math.Max(980 - (int)Math.Ceiling(961.0 * i / n - 1e-9) + 1, 20);
            Assert.Equal(expected, ts[i - 1]);
        }
    }

    [Theory]
    [InlineData(801, 980)]
    [InlineData(500, 800)]
    [InlineData(20, 499)]
    public void IterationsSpentInARangeAreProportionalToItsProbabilityMass(int lo, int hi)
    {
        const int n = 1000;
        var o = new TimestepOptions();
        var strategy = new TimePrioritizedStrategy(o, Sd, n);
        double mass = 0;
        for (int t = lo; t <= hi; t++) mass += strategy.Probability[t - o.TMin];
        int count = Enumerable.Range(1, n).Count(i => strategy.TimestepAt(i) >= lo && strategy.TimestepAt(i) <= hi);
        Assert.InRange(count, n * mass - 2, n * mass + 2);
    }

    [Fact]
    public void UniformDrawsStayInRangeWithTheRightMeanAndAreDeterministic()
    {
        var o = new TimestepOptions { Strategy = "uniform" };
        var a = Run(o, 20000, 7);
        Assert.All(a, t => Assert.InRange(t, 20, 980));
        // mean of U{20..980} is 500, sd 277; the mean of 20000 draws has sd ~2
        Assert.InRange(a.Average(), 490, 510);
        Assert.Contains(20, a);
        Assert.Contains(980, a);
        Assert.Equal(a, Run(o, 20000, 7));
        Assert.NotEqual(a, Run(o, 20000, 8));
    }

    [Fact]
    public void LinearHifaTwoStageAndWindow()
    {
        var lin = Run(new TimestepOptions { Strategy = "linear" }, 4);
        Assert.Equal(new[] { 740, 500, 260, 20 }, lin);
        var hifa = Run(new TimestepOptions { Strategy = "hifa" }, 4);
        Assert.Equal(new[] { (int)Math.Round(980 - 960 * 0.5), (int)Math.Round(980 - 960 * Math.Sqrt(0.5)),
            (int)Math.Round(980 - 960 * Math.Sqrt(0.75)), 20 }, hifa);
        var two = Run(new TimestepOptions { Strategy = "two-stage", SwitchIteration = 1001, StageTwoTMax = 500 }, 2000);
        Assert.Contains(two.Take(1000), t => t > 700);
        Assert.All(two.Skip(1000), t => Assert.InRange(t, 20, 500));
        var baseTs = Run(new TimestepOptions(), 300);
        var windowed = Run(new TimestepOptions { Window = 25 }, 300, 3);
        for (int i = 0; i < 300; i++) Assert.InRange(windowed[i], Math.Max(20, baseTs[i] - 25), Math.Min(980, baseTs[i] + 25));
        Assert.NotEqual(baseTs, windowed);
    }

    [Theory]
    [InlineData("1-ab", 0.3, 0.7)]
    [InlineData("1", 0.3, 1.0)]
    [InlineData("sqrt(ab)(1-ab)", 0.25, 0.375)]
    [InlineData("sqrt((1-ab)/ab)", 0.2, 2.0)]
    public void Weightings(string name, double ab, double expected) =>
        Assert.Equal(expected, ScoreDistillation.Weight(ScoreDistillation.ParseWeighting(name), ab), 12);

    [Theory]
    [InlineData("bogus", 20, 980, 100, 800, 500, "strategy: bogus: unknown")]
    [InlineData("tp-sds", 980, 980, 100, 800, 500, "t_min: is 980; must be smaller than t_max (980)")]
    [InlineData("tp-sds", -1, 980, 100, 800, 500, "t_min: is -1;")]
    [InlineData("tp-sds", 20, 1000, 100, 800, 500, "t_max: is 1000;")]
    [InlineData("tp-sds", 20, 980, 0, 800, 500, "iterations: is 0;")]
    [InlineData("tp-sds", 20, 980, -5, 800, 500, "iterations: is -5;")]
    [InlineData("tp-sds", 20, 980, 100, 500, 800, "m2: is 800; must not exceed m1 (500)")]
    public void InvalidOptionsNameTheOption(string strategy, int tMin, int tMax, int n, double m1, double m2, string expected)
    {
        var o = new TimestepOptions { Strategy = strategy, TMin = tMin, TMax = tMax, M1 = m1, M2 = m2 };
        var e = Assert.Throws<UserError>(() => o.Build(Sd, n, 0));
        Assert.StartsWith(expected, e.Message);
        Assert.Equal(expected.Split(':')[0], e.Key);
    }
}
