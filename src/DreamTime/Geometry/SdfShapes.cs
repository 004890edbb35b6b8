using System.Numerics;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Geometry;

/// <summary>
/// Analytic signed distances (negative inside) at points [P,3], for starting a DMTet's SDF from a simple shape.
/// Results are [P] in the points' dtype and device.
/// </summary>
public static class SdfShapes
{
    /// <summary>|p - center| - radius: the exact signed distance.</summary>
    public static Tensor Sphere(Tensor points, Vector3 center, double radius)
    {
        CheckPoints(points);
        if (!(radius > 0) || !double.IsFinite(radius)) throw new ArgumentOutOfRangeException(nameof(radius), radius, "sphere radius");
        using var scope = torch.NewDisposeScope();
        var d = (points - Row(center, points)).Squared().sum(1).sqrt().Minus(radius);
        return d.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The ellipsoid with semi-axes <paramref name="radii"/> along x, y, z. Its exact distance has no closed form;
    /// this is k0 (k0 - 1) / k1 with k0 = |q / r|, k1 = |q / r^2| (q = p - center): zero exactly on the surface,
    /// negative exactly inside, the exact distance for equal radii, and on the surface its gradient is the unit
    /// normal, so it matches the distance to first order there, which is what an initial SDF needs. At the centre,
    /// where the formula is 0/0, it gives minus the smallest semi-axis, the true distance there.
    /// </summary>
    public static Tensor Ellipsoid(Tensor points, Vector3 center, Vector3 radii)
    {
        CheckPoints(points);
        if (!(radii.X > 0 && radii.Y > 0 && radii.Z > 0) || !float.IsFinite(radii.X + radii.Y + radii.Z))
            throw new ArgumentOutOfRangeException(nameof(radii), radii, "ellipsoid semi-axes must be positive and finite");
        using var scope = torch.NewDisposeScope();
        var q = points - Row(center, points);
        var k0 = (q / Row(radii, points)).Squared().sum(1).sqrt();
        var k1 = (q / Row(radii * radii, points)).Squared().sum(1).sqrt();
        double smallest = Math.Min(radii.X, Math.Min(radii.Y, radii.Z));
        var atCentre = k1.eq(Scalars.Of(0.0));
        var d = k0 * k0.Minus(1.0) / torch.where(atCentre, torch.ones_like(k1), k1);
        using var fill = (-smallest).ToScalar();
        var result = torch.where(atCentre, torch.full_like(d, fill), d);
        return result.MoveToOuterDisposeScope();
    }

    private static Tensor Row(Vector3 v, Tensor like) =>
        torch.tensor(new double[] { v.X, v.Y, v.Z }, dtype: like.dtype, device: like.device).view(1, 3);

    private static void CheckPoints(Tensor points)
    {
        if (points.dim() != 2 || points.shape[1] != 3)
            throw new ArgumentException($"points must be [P,3], got [{string.Join(",", points.shape)}]");
    }
}
