using System.Numerics;

namespace DreamTime.Scenes;

/// <summary>A small scene: the union of coloured primitives, centred on the origin and inside a sphere of radius BoundRadius.</summary>
public sealed class PriorScene
{
    public IReadOnlyList<Primitive> Primitives => _primitives;
    internal readonly Primitive[] _primitives;

    /// <summary>Radius of a sphere about the origin that contains every primitive's bounding sphere.</summary>
    public float BoundRadius { get; }

    internal PriorScene(Primitive[] primitives)
    {
        _primitives = primitives;
        BoundRadius = primitives.Max(p => p.Center.Length() + p.BoundRadius);
    }

    /// <summary>Signed distance of the union (min over primitives).</summary>
    public float Distance(Vector3 p)
    {
        float d = float.PositiveInfinity;
        foreach (ref readonly var prim in _primitives.AsSpan()) d = MathF.Min(d, prim.Distance(p));
        return d;
    }

    /// <summary>Axis-aligned bounds of the union.</summary>
    public (Vector3 Min, Vector3 Max) Bounds()
    {
        var min = new Vector3(float.PositiveInfinity);
        var max = new Vector3(float.NegativeInfinity);
        foreach (var p in _primitives)
        {
            var (lo, hi) = p.WorldBounds();
            min = Vector3.Min(min, lo);
            max = Vector3.Max(max, hi);
        }
        return (min, max);
    }
}
