using DreamTime.Runtime;
namespace DreamTime.Rendering;

/// <summary>
/// Draws training cameras. The camera of a step depends only on (seed, step), never on earlier draws, so a
/// resumed run sees exactly the cameras an uninterrupted one would.
/// </summary>
public sealed class CameraSampler(CameraRanges ranges, int seed)
{
    public CameraRanges Ranges { get; } = ranges;

    public Camera ForStep(int step)
    {
        var rng = new Random(Seeds.Mix(seed, step, 0x0CA3));
        double U(double a, double b) => a + (b - a) * rng.NextDouble();
        return new Camera(U(Ranges.ElevationMinDeg, Ranges.ElevationMaxDeg), U(Ranges.AzimuthMinDeg, Ranges.AzimuthMaxDeg),
                          U(Ranges.DistanceMin, Ranges.DistanceMax), U(Ranges.FovYMinDeg, Ranges.FovYMaxDeg));
    }

    /// <summary>Fixed evaluation views: evenly spaced azimuths at a moderate elevation, mid-range distance and fov.</summary>
    public static IReadOnlyList<Camera> EvaluationViews(CameraRanges r, int count = 8, double elevationDeg = 20) =>
        r.Ring(count, elevationDeg);
}
