using DreamTime.Diffusion;
using DreamTime.Runtime;
using DreamTime.Tests.Models.Diffusers;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Diffusion;

/// <summary>DDPM (ancestral) sampling against Gaussian conditioning, an exact-x0 model, and Gaussian data with its exact
/// denoiser.</summary>
public class DdpmSchedulerTests
{
    private static SchedulerConfig Sd(bool clip = false) => new()
    {
        ClassName = SchedulerConfig.DdpmClass,
        BetaSchedule = "scaled_linear",
        BetaStart = 0.00085,
        BetaEnd = 0.012,
        ClipSample = clip,
        SetAlphaToOne = false,
        StepsOffset = 1,
    };

    /// <summary>
    /// The step's mean and variance are q(x_prev | x_t, x0) of the two-step forward process, derived here by
    /// conditioning the jointly Gaussian (x_prev, x_t) given x0 in float64: mean
    /// sqrt(ab') x0 + Cov / Var(x_t) (x_t - sqrt(ab) x0), variance Var(x_prev) - Cov^2 / Var(x_t).
    /// </summary>
    [Theory]
    [InlineData(50)]
    [InlineData(1000)]
    public void StepIsTheForwardProcessPosterior(int steps)
    {
        // steps_offset 1 would put the first of 1000 steps at t = 1000, past the table (diffusers alike)
        var s = new DdpmScheduler(Sd() with { StepsOffset = steps == 1000 ? 0 : 1 }, new Generator(0));
        var ts = s.SetTimesteps(steps);
        foreach (int t in new[] { ts[0], ts[ts.Length / 2], ts[^2], ts[^1] })
        {
            int prev = t - 1000 / steps;
            double ab = s.Schedule.AlphaBar(t), abPrev = prev >= 0 ? s.Schedule.AlphaBar(prev) : 1.0;
            double a = ab / abPrev;
            double varPrev = 1 - abPrev, varT = 1 - ab, cov = Math.Sqrt(a) * (1 - abPrev);
            double sampleCoefficient = cov / varT;                                   // of x_t
            double x0Coefficient = Math.Sqrt(abPrev) - sampleCoefficient * Math.Sqrt(ab); // of x0
            double variance = varPrev - cov * cov / varT;
            var (x0c, xc, v) = s.Posterior(t);
            Assert.True(Math.Abs(x0c - x0Coefficient) < 2e-5, $"t={t}: x0 coefficient {x0c} vs {x0Coefficient}");
            Assert.True(Math.Abs(xc - sampleCoefficient) < 2e-5, $"t={t}: x_t coefficient {xc} vs {sampleCoefficient}");
            Assert.True(Math.Abs(v - Math.Max(variance, 1e-20)) < 2e-5 * Math.Max(variance, 1e-3), $"t={t}: variance {v} vs {variance}");
        }
    }

    /// <summary>A model that always predicts the noise relative to one fixed x0 ends exactly on that x0, whatever noise the steps
    /// drew.</summary>
    [Theory]
    [InlineData("epsilon")]
    [InlineData("v_prediction")]
    [InlineData("sample")]
    public void AnExactModelEndsOnItsX0(string prediction)
    {
        using var scope = NewDisposeScope();
        var config = Sd() with { PredictionType = prediction };
        var s = new DdpmScheduler(config, new Generator(3));
        var x0 = rand(new long[] { 2, 3, 8, 8 }, generator: new Generator(1)).Times(2).Minus(1);
        var x = randn(x0.shape, generator: new Generator(2));
        foreach (int t in s.SetTimesteps(25))
        {
            double ab = s.Schedule.AlphaBar(t);
            var eps = (x - x0.Times(Math.Sqrt(ab))).DividedBy(Math.Sqrt(1 - ab));
            var output = prediction switch
            {
                "epsilon" => eps,
                "sample" => x0,
                _ => eps.Times(Math.Sqrt(ab)) - x0.Times(Math.Sqrt(1 - ab)),
            };
            x = s.Step(output, t, x);
        }
        TinySd.AssertClose(x0, x, 1e-4, prediction);
    }

    /// <summary>
    /// Data x0 ~ N(0, s^2) per pixel has the exact denoiser E[x0 | x_t] = sqrt(ab) s^2 x_t / (ab s^2 + 1 - ab);
    /// sampled with it over all 1000 steps, DDPM draws from the data distribution: mean 0 and standard deviation s.
    /// Over 40,000 values the standard error of the standard deviation is s / sqrt(2 * 40000) = 0.35% of s; the
    /// sampler itself leaves out the O(beta^2) part of each step's variance, far below the 3% allowed.
    /// </summary>
    [Fact]
    public void GaussianDataWithItsExactDenoiserIsSampledWithItsSpread()
    {
        using var scope = NewDisposeScope();
        const double sd = 0.5;
        var s = new DdpmScheduler(Sd() with { PredictionType = "sample", StepsOffset = 0 }, new Generator(11));
        var x = randn(new long[] { 40000 }, generator: new Generator(10));
        foreach (int t in s.SetTimesteps(1000))
        {
            double ab = s.Schedule.AlphaBar(t);
            var x0Hat = x.Times(Math.Sqrt(ab) * sd * sd / (ab * sd * sd + 1 - ab));
            x = s.Step(x0Hat, t, x);
        }
        double mean = x.mean().item<float>(), std = x.std().item<float>();
        Assert.True(Math.Abs(mean) < 0.01, $"mean {mean}");
        Assert.True(Math.Abs(std / sd - 1) < 0.03, $"std {std} vs {sd}");
    }

    [Fact]
    public void TheClassNamePicksTheSamplerAndABadVarianceTypeIsRefused()
    {
        Assert.IsType<DdpmScheduler>(DenoisingSchedulers.Create(Sd(), new Generator(0)));
        Assert.IsType<DdimScheduler>(DenoisingSchedulers.Create(Sd() with { ClassName = "PNDMScheduler" }, new Generator(0)));
        Assert.Equal(SchedulerConfig.DdimClass, Sd().WithSampler("ddim").ClassName);
        var e = Assert.Throws<UserError>(() => Sd().WithSampler("euler"));
        Assert.StartsWith("sampler: euler", e.Message);
        var dir = Directory.CreateTempSubdirectory("dt-ddpm-").FullName;
        try
        {
            var path = Path.Combine(dir, "scheduler_config.json");
            File.WriteAllText(path, "{\"_class_name\": \"DDPMScheduler\", \"variance_type\": \"learned_range\"}");
            var bad = Assert.Throws<UserError>(() => SchedulerConfig.From(DreamTime.IO.ConfigJson.Read(path)));
            Assert.Contains("variance_type", bad.Message);
            Assert.Contains(path, bad.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
