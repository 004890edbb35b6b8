using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>Where rays enter and leave the scene bounds: a sphere or an axis-aligned cube centred at the origin.</summary>
public static class RayBounds
{
    /// <summary>
    /// Entry and exit distances [R] of rays (origins, unit directions [R,3]) and whether they hit [R] (bool).
    /// Entry is clamped at 0, so a ray starting inside begins at its origin; rays that miss get near = far = 0.
    /// </summary>
    public static (Tensor Near, Tensor Far, Tensor Hit) Intersect(Tensor origins, Tensor directions, string shape, double radius)
    {
        Tensor near, far;
        if (shape == "sphere")
        {
            // |o + t d|^2 = r^2 with |d| = 1: t = -b -+ sqrt(b^2 - c), b = o.d, c = |o|^2 - r^2
            var b = (origins * directions).sum(-1);
            var c = (origins * origins).sum(-1).Minus(radius * radius);
            var root = (b * b - c).clamp_min(Scalars.Of(0)).sqrt();
            near = -b - root;
            far = (-b).Plus(root);
            far = torch.where((b * b - c).gt(Scalars.Of(0)), far, torch.zeros_like(far));
        }
        else if (shape == "cube")
        {
            // Slab method; a zero direction component gives +-inf, which min/max handle.
            var inv = directions.reciprocal();
            var t0 = origins.SubtractedFrom(-radius) * inv;
            var t1 = origins.SubtractedFrom(radius) * inv;
            near = torch.minimum(t0, t1).nan_to_num(-1e30).amax(-1);
            far = torch.maximum(t0, t1).nan_to_num(1e30).amin(-1);
        }
        else throw new ArgumentException($"unknown bound shape '{shape}' (sphere or cube)");
        near = near.clamp_min(Scalars.Of(0));
        var hit = far > near;
        var zero = torch.zeros_like(near);
        return (torch.where(hit, near, zero), torch.where(hit, far, zero), hit);
    }
}
