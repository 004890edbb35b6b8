using DreamTime.Runtime;
namespace DreamTime.Rendering;

/// <summary>Ranges for random training cameras, as DreamFusion samples them (uniform in each range).</summary>
public sealed record CameraRanges(
    double ElevationMinDeg = -10, double ElevationMaxDeg = 60,
    double AzimuthMinDeg = -180, double AzimuthMaxDeg = 180,
    double DistanceMin = 2.0, double DistanceMax = 2.4,
    double FovYMinDeg = 40, double FovYMaxDeg = 50)
{
    /// <summary>A camera at the middle of the distance and field-of-view ranges.</summary>
    public Camera MidCamera(double elevationDeg, double azimuthDeg) =>
        new(elevationDeg, azimuthDeg, 0.5 * (DistanceMin + DistanceMax), 0.5 * (FovYMinDeg + FovYMaxDeg));

    /// <summary>
    /// <paramref name="count"/> <see cref="MidCamera"/>s at one elevation, azimuths evenly spaced from -180 degrees
    /// (the back view first, the front one half-way), all looking at the origin.
    /// </summary>
    public IReadOnlyList<Camera> Ring(int count, double elevationDeg)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "a camera ring needs at least one camera");
        return Enumerable.Range(0, count).Select(i => MidCamera(elevationDeg, -180 + 360.0 * i / count)).ToList();
    }

    public void Validate()
    {
        if (!(ElevationMinDeg <= ElevationMaxDeg && ElevationMinDeg >= -90 && ElevationMaxDeg <= 90))
            throw new UserError("elevation_min_deg",
                $"elevation range [{ElevationMinDeg}, {ElevationMaxDeg}] (elevation_min_deg, elevation_max_deg) must be ordered and " +
                "within [-90, 90]");
        if (!(AzimuthMinDeg <= AzimuthMaxDeg))
            throw new UserError("azimuth_min_deg",
                $"azimuth range [{AzimuthMinDeg}, {AzimuthMaxDeg}] (azimuth_min_deg, azimuth_max_deg) must be ordered");
        if (!(DistanceMin > 0 && DistanceMin <= DistanceMax && double.IsFinite(DistanceMax)))
            throw new UserError("distance_min",
                $"distance range [{DistanceMin}, {DistanceMax}] (distance_min, distance_max) must be ordered and positive");
        if (!(FovYMinDeg > 0 && FovYMinDeg <= FovYMaxDeg && FovYMaxDeg < 180))
            throw new UserError("fov_y_min_deg",
                $"field-of-view range [{FovYMinDeg}, {FovYMaxDeg}] (fov_y_min_deg, fov_y_max_deg) must be ordered and within (0, 180)");
    }
}
