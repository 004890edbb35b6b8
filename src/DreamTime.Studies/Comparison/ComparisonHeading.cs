using System.Globalization;
using DreamTime.Configuration;
using DreamTime.Guidance;

namespace DreamTime.Studies.Comparison;

/// <summary>The first line of a study's summary.md: iterations, render size, seeds and the prior it was trained with.</summary>
public static class ComparisonHeading
{
    public static string Describe(TrainConfig config, int firstSeed, int seeds)
    {
        var guidance = config.Guidance;
        var priorNote = guidance switch
        {
            LearnedPriorSettings l => $"learned prior {l.Model ?? "(shipped)"}, guidance scale " +
                                      (l.GuidanceScale ?? LearnedPriorSettings.DefaultGuidanceScale).ToString(CultureInfo.InvariantCulture),
            BuiltinPriorSettings b => "built-in prior with " +
                                      (b.TemperaturePixels is double k
                                          ? $"temperature pixels {k.ToString(CultureInfo.InvariantCulture)}"
                                          : "untempered posterior") +
                                      (b.GuidanceScale is double bg ? $", guidance scale {bg.ToString(CultureInfo.InvariantCulture)}" : ""),
            BuiltinImagePriorSettings =>
                "built-in image prior, " +
                FormattableString.Invariant($"pictures taken from elevation {config.Reference?.ElevationDeg ?? 0}, ") +
                FormattableString.Invariant($"azimuth {config.Reference?.AzimuthDeg ?? 0}"),
            _ => guidance.GetType().Name,
        };
        if (config.Timesteps.TimePrior != new TrainConfig().Timesteps.TimePrior)
            priorNote += $", TP-SDS time prior {config.Timesteps.TimePrior}";
        return $"{config.Iterations} iterations, {config.Height}x{config.Width}, seeds {firstSeed}..{firstSeed + seeds - 1}, {priorNote}";
    }
}
