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
        var stage = config.Stages[0];
        if (stage.Timesteps.TimePrior != new TrainConfig().Stages[0].Timesteps.TimePrior)
            priorNote += $", TP-SDS time prior {stage.Timesteps.TimePrior}";
        var size = config.Stages.Count == 1 ? $"{stage.Iterations} iterations, {stage.Height}x{stage.Width}"
            : $"{config.Pipeline}: " +
              string.Join(", ", config.Stages.Select(s => $"{s.Name} {s.Iterations} iterations at {s.Height}x{s.Width}"));
        return $"{size}, seeds {firstSeed}..{firstSeed + seeds - 1}, {priorNote}";
    }
}
