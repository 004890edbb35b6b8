using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Models.Zero123;

/// <summary>
/// The target camera relative to the conditioning view, as Zero-1-to-3 takes it: elevation and azimuth changes in
/// degrees and the change of camera distance.
/// </summary>
public readonly record struct Zero123Pose(double ElevationDeg, double AzimuthDeg, double Radius)
{
    /// <summary>(elevation in radians, sin azimuth, cos azimuth, radius).</summary>
    public const int FeatureCount = 4;

    /// <summary>Poses as the [B, 3] tensor (float32) the pipeline takes.</summary>
    public static Tensor ToTensor(IReadOnlyList<Zero123Pose> poses)
    {
        var v = poses.SelectMany(p => new[] { (float)p.ElevationDeg, (float)p.AzimuthDeg, (float)p.Radius }).ToArray();
        return torch.tensor(v, new long[] { poses.Count, 3 });
    }

    /// <summary>
    /// [B, 3] (d_elevation deg, d_azimuth deg, d_radius) to the [B, 4] features (rad(d_elev), sin(rad(d_azim)),
    /// cos(rad(d_azim)), d_radius), float32. Azimuth enters through sin and cos, so a full turn is no change;
    /// elevation stays linear because it lives in (-90, 90). Computed in float64 so the features are the rounded
    /// exact values whatever the device.
    /// </summary>
    public static Tensor Features(Tensor poses)
    {
        if (poses.ndim != 2 || poses.shape[1] != 3)
            throw new ArgumentException($"poses must be [B,3] (d_elevation deg, d_azimuth deg, d_radius), got [{string.Join(",", poses.shape)}]");
        using var scope = torch.NewDisposeScope();
        var p = poses.to(ScalarType.Float64);
        var elevation = p[.., 0..1] * (Math.PI / 180);
        var azimuth = p[.., 1..2] * (Math.PI / 180);
        return torch.cat(new[] { elevation, torch.sin(azimuth), torch.cos(azimuth), p[.., 2..3] }, 1).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
