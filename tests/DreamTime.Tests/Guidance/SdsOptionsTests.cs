using DreamTime.Configuration;
using DreamTime.Guidance;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Guidance.StableDiffusion;
using DreamTime.Runtime;
using Xunit;

namespace DreamTime.Tests.Guidance;

/// <summary>The knobs every guidance shares are checked by one rule, whichever guidance and however it is built.</summary>
public class SdsOptionsTests
{
    public static TheoryData<double, double?, string?> Knobs => new()
    {
        { 0, null, null }, { 100, 1, null }, { 9999, null, null },
        { -1, null, "guidance_scale" }, { 1e4, null, "guidance_scale" }, { double.NaN, null, "guidance_scale" },
        { double.PositiveInfinity, null, "guidance_scale" },
        { 1, 0, "grad_clip" }, { 1, -2, "grad_clip" }, { 1, double.NaN, "grad_clip" },
    };

    [Theory]
    [MemberData(nameof(Knobs))]
    public void EveryGuidanceAppliesTheSameRule(double scale, double? clip, string? key)
    {
        var settings = new GuidanceSettings[]
        {
            new BuiltinPriorSettings { GuidanceScale = scale, GradClip = clip },
            new BuiltinImagePriorSettings { GuidanceScale = scale, GradClip = clip },
            new LearnedPriorSettings { GuidanceScale = scale, GradClip = clip },
            new StableDiffusionSettings { Model = "m", GuidanceScale = scale, GradClip = clip },
            new Zero123Settings { Model = "m", GuidanceScale = scale, GradClip = clip },
        };
        var checks = new List<Action>(settings.Select(s => (Action)s.Validate))
        {
            () => new BuiltinPriorOptions { GuidanceScale = scale, GradClip = clip }.Validate(),
            () => new StableDiffusionGuidanceOptions { GuidanceScale = scale, GradClip = clip }.Validate(),
        };
        foreach (var check in checks)
        {
            if (key == null) { check(); continue; }
            var e = Assert.Throws<UserError>(check);
            Assert.Equal(key, e.Key);
        }
        // in a configuration, the key is config.json's path
        if (key != null)
            Assert.Equal("guidance." + key,
                Assert.Throws<UserError>(() => new TrainConfig { Prompt = "a snowman", Guidance = settings[0] }.Validate()).Key);
    }

    [Fact]
    public void TheBuiltinPriorsShareTheirSettings()
    {
        var text = new BuiltinPriorSettings
        {
            BetaSchedule = "linear",
            TemperaturePixels = 16,
            Supersample = 2,
            Unconditional = "family"
        }.ToOptions();
        var image = new BuiltinImagePriorSettings { BetaSchedule = "linear", TemperaturePixels = 16, Supersample = 2 }.ToOptions();
        Assert.Equal(text with { Unconditional = image.Unconditional, Schedule = image.Schedule }, image);
        Assert.Equal(UnconditionalSet.Family, text.Unconditional);
        Assert.Equal("linear", image.Schedule.BetaSchedule);
        Assert.Equal("guidance.beta_schedule", Assert.Throws<UserError>(() =>
            new TrainConfig { Prompt = "a snowman", Guidance = new BuiltinPriorSettings { BetaSchedule = "cosine" } }.Validate()).Key);
    }
}
