using DreamTime.Diffusion;
using DreamTime.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Diffusers;

/// <summary>DDIM against closed forms: fed the exact prediction, a step lands on sqrt(ab') x0 + sqrt(1 - ab') eps.</summary>
public class StableDiffusionDdimTests
{
    [Theory]
    [InlineData("epsilon")]
    [InlineData("v_prediction")]
    [InlineData("sample")]
    public void ExactPredictionStepsToTheDdimPoint(string prediction)
    {
        using var scope = NewDisposeScope();
        var s = new DdimScheduler(new SchedulerConfig
        {
            BetaSchedule = "scaled_linear",
            BetaStart = 0.00085,
            BetaEnd = 0.012,
            PredictionType = prediction,
            ClipSample = false,
            SetAlphaToOne = false,
            StepsOffset = 1
        });
        var ts = s.SetTimesteps(20);
        var g = new Generator(1);
        var x0 = randn(new long[] { 1, 4, 8, 8 }, generator: g);
        var eps = randn(new long[] { 1, 4, 8, 8 }, generator: g);
        foreach (int i in new[] { 0, 10, 19 })
        {
            int t = ts[i], prev = t - 50;
            double a = s.Schedule.AlphaBar(t);
            double aPrev = prev >= 0 ? s.Schedule.AlphaBar(prev) : s.Schedule.AlphaBar(0);
            var xt = x0.Times(Math.Sqrt(a)).Plus(eps.Times(Math.Sqrt(1 - a)));
            var output = prediction switch
            {
                "epsilon" => eps,
                "sample" => x0,
                _ => eps.Times(Math.Sqrt(a)) - x0.Times(Math.Sqrt(1 - a)),
            };
            var expected = x0.Times(Math.Sqrt(aPrev)).Plus(eps.Times(Math.Sqrt(1 - aPrev)));
            TinySd.AssertClose(expected, s.Step(output, t, xt), 2e-5, $"{prediction} t={t}");
        }
    }

    [Fact]
    public void TimestepSpacings()
    {
        DdimScheduler Make(string spacing, int offset) => new(new SchedulerConfig { TimestepSpacing = spacing, StepsOffset = offset });
        Assert.Equal(new[] { 751, 501, 251, 1 }, Make("leading", 1).SetTimesteps(4));
        Assert.Equal(new[] { 999, 749, 499, 249 }, Make("trailing", 0).SetTimesteps(4));
        Assert.Equal(new[] { 999, 666, 333, 0 }, Make("linspace", 0).SetTimesteps(4));
    }

    [Fact]
    public void ClipSampleBoundsThePredictedX0()
    {
        using var scope = NewDisposeScope();
        var s = new DdimScheduler(new SchedulerConfig { ClipSample = true, SetAlphaToOne = true });
        s.SetTimesteps(1); // one step from t = 0 to the final alpha (1): the result is the clipped x0
        using var five = 5f.ToScalar();
        var xt = full(new long[] { 1, 1, 2, 2 }, five);
        var result = s.Step(zeros(1, 1, 2, 2), 0, xt);
        TinySd.AssertClose(ones(1, 1, 2, 2), result, 1e-6, "clipped x0");
    }
}
