using DreamTime.Diffusion;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Guidance.StableDiffusion;
using DreamTime.Runtime;
using DreamTime.LearnedPrior;

namespace DreamTime.Guidance;

/// <summary>The built-in prior: exact denoiser of procedural scene families (no downloads).</summary>
public sealed record BuiltinPriorSettings : GuidanceSettings
{
    /// <summary>Noise table of the prior ("scaled_linear" = Stable Diffusion's, so strategies mean the same t).</summary>
    public string BetaSchedule { get; init; } = "scaled_linear";
    /// <inheritdoc cref="BuiltinPriorOptions.TemperaturePixels"/>
    public double? TemperaturePixels { get; init; } = BuiltinPriorOptions.DefaultTemperaturePixels;
    /// <summary>Members of the unconditional model: "all" families or the prompt's "family".</summary>
    public string Unconditional { get; init; } = "all";
    public int Supersample { get; init; } = BuiltinPriorOptions.DefaultSupersample;

    public override void Validate()
    {
        base.Validate();
        if (BetaSchedule is null || !NoiseSchedule.BetaScheduleNames.Contains(BetaSchedule))
            throw new UserError($"guidance.beta_schedule {BetaSchedule}: unknown; allowed: {string.Join(", ", NoiseSchedule.BetaScheduleNames)}");
        ToOptions().Validate();
    }

    public BuiltinPriorOptions ToOptions() => new()
    {
        GuidanceScale = GuidanceScale ?? BuiltinPriorOptions.DefaultGuidanceScale,
        Weighting = ScoreDistillation.ParseWeighting(Weighting),
        GradClip = GradClip,
        Schedule = new NoiseSchedule(BetaSchedule),
        TemperaturePixels = TemperaturePixels,
        Unconditional = BuiltinPriorOptions.ParseUnconditional(Unconditional ?? "", "guidance.unconditional"),
        Supersample = Supersample,
    };
}
