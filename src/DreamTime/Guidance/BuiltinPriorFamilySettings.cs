using DreamTime.Diffusion;
using DreamTime.Guidance.BuiltinPrior;

namespace DreamTime.Guidance;

/// <summary>What the built-in prior's guidances share (<see cref="BuiltinPriorSettings"/>,
/// <see cref="BuiltinImagePriorSettings"/>): the noise table and how members are rendered and weighted.</summary>
public abstract record BuiltinPriorFamilySettings : GuidanceSettings
{
    // config.json lists these first, before the keys of each guidance, as it did before they were shared
    /// <summary>Noise table of the prior ("scaled_linear" = Stable Diffusion's, so strategies mean the same t).</summary>
    [System.Text.Json.Serialization.JsonPropertyOrder(-1)] public string BetaSchedule { get; init; } = "scaled_linear";
    /// <inheritdoc cref="BuiltinPriorOptions.TemperaturePixels"/>
    [System.Text.Json.Serialization.JsonPropertyOrder(-1)]
    public double? TemperaturePixels { get; init; } = BuiltinPriorOptions.DefaultTemperaturePixels;
    public int Supersample { get; init; } = BuiltinPriorOptions.DefaultSupersample;

    protected override void ValidateOptions() => ToOptions().Validate();

    public virtual BuiltinPriorOptions ToOptions() => new()
    {
        GuidanceScale = GuidanceScale ?? BuiltinPriorOptions.DefaultGuidanceScale,
        Weighting = ScoreDistillation.ParseWeighting(Weighting),
        GradClip = GradClip,
        Schedule = new NoiseSchedule(BetaSchedule),
        TemperaturePixels = TemperaturePixels,
        Supersample = Supersample,
    };
}
