using DreamTime.Diffusion;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Guidance.StableDiffusion;
using DreamTime.Runtime;
using DreamTime.LearnedPrior;

namespace DreamTime.Guidance;

/// <summary>
/// The built-in prior conditioned on an input image instead of a prompt (image-to-3D with no downloads): the
/// members are weighted by how well each, seen from the input camera, explains the image.
/// </summary>
public sealed record BuiltinImagePriorSettings : GuidanceSettings
{
    public string BetaSchedule { get; init; } = "scaled_linear";
    /// <inheritdoc cref="BuiltinPriorOptions.TemperaturePixels"/>
    public double? TemperaturePixels { get; init; } = BuiltinPriorOptions.DefaultTemperaturePixels;
    public int Supersample { get; init; } = BuiltinPriorOptions.DefaultSupersample;
    /// <summary>Standard deviation of the input image's pixels about a member's render in the image likelihood (colours in [0, 1]).</summary>
    public double ImageNoise { get; init; } = BuiltinPriorGuidance.DefaultImageNoise;

    /// <summary>The input is a render taken with the input camera: framing it again would move the object away from where that camera sees it.</summary>
    public override string ImageFraming => "none";

    public override void Validate()
    {
        base.Validate();
        if (BetaSchedule is null || !NoiseSchedule.BetaScheduleNames.Contains(BetaSchedule))
            throw new UserError($"guidance.beta_schedule {BetaSchedule}: unknown; allowed: {string.Join(", ", NoiseSchedule.BetaScheduleNames)}");
        if (!(ImageNoise > 0 && double.IsFinite(ImageNoise))) throw new UserError($"guidance.image_noise {ImageNoise}: must be a positive number");
        ToOptions().Validate();
    }

    public BuiltinPriorOptions ToOptions() => new()
    {
        GuidanceScale = GuidanceScale ?? BuiltinPriorOptions.DefaultGuidanceScale,
        Weighting = ScoreDistillation.ParseWeighting(Weighting),
        GradClip = GradClip,
        Schedule = new NoiseSchedule(BetaSchedule),
        TemperaturePixels = TemperaturePixels,
        Supersample = Supersample,
    };
}
