using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Models.Zero123;

/// <summary>
/// The target camera relative to the conditioning view, exactly as Zero-1-to-3 takes it: the change of the polar
/// angle (measured from the up axis) and of the azimuth in degrees, and the change of camera distance.
/// </summary>
/// <remarks>
/// Zero-1-to-3 was trained on target minus input of the polar angle, so a camera moving up (higher elevation) is a
/// negative <see cref="PolarDeg"/>; <see cref="FromCameraChange"/> takes the elevation change instead.
/// </remarks>
public readonly record struct Zero123Pose(double PolarDeg, double AzimuthDeg, double Radius)
{
    /// <summary>(polar change in radians, sin azimuth, cos azimuth, radius).</summary>
    public const int FeatureCount = 4;

    /// <summary>
    /// The pose of a camera whose elevation changes by <paramref name="elevationDeg"/> (positive: it looks from higher
    /// up), whose azimuth changes by <paramref name="azimuthDeg"/> (positive: counterclockwise seen from above) and
    /// whose distance changes by <paramref name="radius"/>.
    /// </summary>
    public static Zero123Pose FromCameraChange(double elevationDeg, double azimuthDeg, double radius) =>
        new(-elevationDeg, azimuthDeg, radius);

    /// <summary>Poses as the [B, 3] tensor (float32) the pipeline takes.</summary>
    public static Tensor ToTensor(IReadOnlyList<Zero123Pose> poses)
    {
        var v = poses.SelectMany(p => new[] { (float)p.PolarDeg, (float)p.AzimuthDeg, (float)p.Radius }).ToArray();
        return torch.tensor(v, new long[] { poses.Count, 3 });
    }

    /// <summary>
    /// [B, 3] (d_polar deg, d_azimuth deg, d_radius) to the [B, 4] features (rad(d_polar), sin(rad(d_azim)),
    /// cos(rad(d_azim)), d_radius), float32. Azimuth enters through sin and cos, so a full turn is no change;
    /// the polar angle stays linear because it lives in (0, 180). Computed in float64 so the features are the rounded
    /// exact values whatever the device.
    /// </summary>
    public static Tensor Features(Tensor poses)
    {
        if (poses.ndim != 2 || poses.shape[1] != 3)
            throw new ArgumentException("poses must be [B,3] (d_polar deg, d_azimuth deg, d_radius), " +
                $"got [{string.Join(",", poses.shape)}]");
        using var scope = torch.NewDisposeScope();
        var p = poses.to(ScalarType.Float64);
        var polar = p[.., 0..1].Times(Math.PI / 180);
        var azimuth = p[.., 1..2].Times(Math.PI / 180);
        return torch.cat(new[] { polar, torch.sin(azimuth), torch.cos(azimuth), p[.., 2..3] }, 1)
            .to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
