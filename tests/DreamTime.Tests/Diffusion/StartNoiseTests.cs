using DreamTime.Diffusion;
using DreamTime.IO;
using DreamTime.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Diffusion;

/// <summary>
/// The start that matches the data's channel means (SchedulerConfig.MatchStartToData) against a simulation of the
/// forward process, and the scheduler_config.json keys that carry the statistics.
/// </summary>
public class StartNoiseTests
{
    private static readonly double[] Mean = { 0.7, -0.2, 0.1 }, Std = { 0.1, 0.0, 0.3 };
    private static SchedulerConfig WithStatistics() => new() { DataChannelMean = Mean, DataChannelStd = Std };

    /// <summary>
    /// x_T = sqrt(ab) x0 + sqrt(1 - ab) eps simulated with images whose channel means are N(m, s^2): the matched
    /// start's channel means must have the simulation's mean and spread (20,000 draws: standard errors below 0.001
    /// for the means and 1% for the spreads; the bounds are four of them), and the rest of the noise is untouched.
    /// </summary>
    [Fact]
    public void TheStartsChannelMeansFollowTheForwardProcess()
    {
        using var scope = NewDisposeScope();
        const int n = 20000;
        const double ab = 0.0047;
        var noise = randn(new long[] { n, 3, 8, 8 }, generator: new Generator(1));
        var start = WithStatistics().MatchStartToData(noise, ab);

        var x0Means = tensor(Mean).view(1, 3, 1, 1)
            .Plus(tensor(Std).view(1, 3, 1, 1) * randn(new long[] { n, 3, 1, 1 }, dtype: ScalarType.Float64, generator: new Generator(2)));
        var eps = randn(new long[] { n, 3, 8, 8 }, dtype: ScalarType.Float64, generator: new Generator(3));
        var simulated = x0Means.Times(Math.Sqrt(ab)).Plus(eps.Times(Math.Sqrt(1 - ab))).mean(new long[] { 2, 3 });
        var got = start.to(ScalarType.Float64).mean(new long[] { 2, 3 });
        for (int c = 0; c < 3; c++)
        {
            double simMean = simulated[.., c].mean().item<double>(), simStd = simulated[.., c].std().item<double>();
            double gotMean = got[.., c].mean().item<double>(), gotStd = got[.., c].std().item<double>();
            double meanError = 4 * Math.Sqrt(2) * simStd / Math.Sqrt(n);
            Assert.True(Math.Abs(gotMean - simMean) < meanError, $"channel {c}: mean {gotMean:F5} vs simulated {simMean:F5}");
            Assert.True(Math.Abs(gotStd / simStd - 1) < 4 * Math.Sqrt(2) / Math.Sqrt(2 * n) + 1e-3,
                $"channel {c}: spread {gotStd:F5} vs simulated {simStd:F5}");
        }
        var centredNoise = noise - noise.mean(new long[] { 2, 3 }, keepdim: true);
        var centredStart = start - start.mean(new long[] { 2, 3 }, keepdim: true);
        Assert.True((centredNoise - centredStart).abs().max().item<float>() < 1e-5, "only the channel means may change");
    }

    [Fact]
    public void WithoutStatisticsTheStartIsTheNoise()
    {
        using var scope = NewDisposeScope();
        var noise = randn(new long[] { 2, 3, 4, 4 }, generator: new Generator(5));
        Assert.Same(noise, new SchedulerConfig().MatchStartToData(noise, 0.0047));
    }

    [Fact]
    public void TheStatisticsRoundTripThroughTheConfigAndBadOnesAreRefused()
    {
        var dir = Directory.CreateTempSubdirectory("dt-start-").FullName;
        try
        {
            var path = Path.Combine(dir, "scheduler_config.json");
            File.WriteAllText(path, WithStatistics().ToJson().ToJsonString());
            var back = SchedulerConfig.From(ConfigJson.Read(path));
            Assert.Equal(Mean, back.DataChannelMean);
            Assert.Equal(Std, back.DataChannelStd);
            Assert.False(new SchedulerConfig().ToJson().ContainsKey("data_channel_mean"));

            foreach (var (json, expected) in new[]
            {
                ("{\"data_channel_mean\": [0.1, 0.2, 0.3]}", "must both be given"),
                ("{\"data_channel_mean\": [0.1, 0.2], \"data_channel_std\": [0.1, 0.2, 0.3]}", "one number per channel"),
                ("{\"data_channel_mean\": [0.1], \"data_channel_std\": [-0.1]}", ">= 0"),
                ("{\"data_channel_mean\": \"grey\", \"data_channel_std\": [0.1]}", "a list of numbers"),
            })
            {
                File.WriteAllText(path, json);
                var e = Assert.Throws<UserError>(() => SchedulerConfig.From(ConfigJson.Read(path)));
                Assert.Contains(path, e.Message);
                Assert.Contains(expected, e.Message);
            }
            using var noise = randn(new long[] { 1, 4, 4, 4 });
            var wrong = Assert.Throws<UserError>(() => WithStatistics().MatchStartToData(noise, 0.5));
            Assert.Contains("data_channel_mean has 3 channels", wrong.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
