using DreamTime.Diffusion;
using Xunit;

namespace DreamTime.Tests.Diffusion;

public class NoiseScheduleTests
{
    [Theory]
    [InlineData("scaled_linear", 0.00085, 0.012)]
    [InlineData("linear", 0.0001, 0.02)]
    [InlineData("squaredcos_cap_v2", 0.0001, 0.02)]
    public void AlphasCumprodMatchesDiffusers(string kind, double b0, double b1)
    {
        var expected = Fixtures.Sd15Outputs.Load("alphas_cumprod_" + kind).data<float>().ToArray();
        var s = new NoiseSchedule(kind, 1000, b0, b1);
        Assert.Equal(1000, expected.Length);
        for (int t = 0; t < 1000; t++)
            Assert.True(Math.Abs(expected[t] - s.AlphasCumprod[t]) <= 1e-6, $"{kind} t={t}: {s.AlphasCumprod[t]} vs {expected[t]}");
    }
}
