using System.Numerics;
using System.Runtime.CompilerServices;

namespace DreamTime.Scenes;

/// <summary>
/// One coloured solid given by a signed distance function in its own frame: p_local = Rotation (p - Center).
/// Rotation maps world to local (rows are the local axes in world coordinates). BoundRadius is a sphere
/// around Center that contains the solid, used to skip work.
/// </summary>
public readonly struct Primitive
{
    public PrimitiveKind Kind { get; init; }
    public Vector3 Center { get; init; }
    public Matrix4x4 Rotation { get; init; }
    public bool Rotated { get; init; }
    public float A { get; init; }
    public float B { get; init; }
    public float C { get; init; }
    public float D { get; init; }
    public Vector3 Albedo { get; init; }
    public float BoundRadius { get; init; }

    public static Primitive Create(PrimitiveKind kind, Vector3 center, Vector3 albedo, float a, float b = 0, float c = 0, float d = 0,
        Matrix4x4? rotation = null)
    {
        var p = new Primitive
        {
            Kind = kind,
            Center = center,
            Albedo = albedo,
            A = a,
            B = b,
            C = c,
            D = d,
            Rotation = rotation ?? Matrix4x4.Identity,
            Rotated = rotation is { } r && !r.IsIdentity,
        };
        return p with { BoundRadius = p.LocalBoundRadius() };
    }

    /// <summary>Same solid moved by offset and then scaled about the origin by s.</summary>
    public Primitive MovedAndScaled(Vector3 offset, float s) =>
        this with { Center = (Center + offset) * s, A = A * s, B = B * s, C = C * s, D = D * s, BoundRadius = BoundRadius * s };

    /// <summary>Signed distance (a lower bound for Ellipsoid/Dome) from a world point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float Distance(Vector3 world)
    {
        var p = world - Center;
        if (Rotated) p = Rotate(p);
        return LocalDistance(p);
    }

    /// <summary>Corners of an axis-aligned box around the solid, in world coordinates.</summary>
    public (Vector3 Min, Vector3 Max) WorldBounds()
    {
        var e = WorldHalfExtents();
        var min = Center - e;
        // an upright dome or roof has nothing below its base
        if ((Kind == PrimitiveKind.Dome || Kind == PrimitiveKind.Roof) && !Rotated) min.Z = Center.Z;
        return (min, Center + e);
    }

    private Vector3 WorldHalfExtents()
    {
        var e = LocalHalfExtents();
        if (!Rotated) return e;
        // |R^T| e: each world axis gathers the local extents along it.
        var r = Rotation;
        return new Vector3(
            MathF.Abs(r.M11) * e.X + MathF.Abs(r.M21) * e.Y + MathF.Abs(r.M31) * e.Z,
            MathF.Abs(r.M12) * e.X + MathF.Abs(r.M22) * e.Y + MathF.Abs(r.M32) * e.Z,
            MathF.Abs(r.M13) * e.X + MathF.Abs(r.M23) * e.Y + MathF.Abs(r.M33) * e.Z);
    }

    private Vector3 Rotate(Vector3 p)
    {
        var r = Rotation;
        return new Vector3(r.M11 * p.X + r.M12 * p.Y + r.M13 * p.Z,
                           r.M21 * p.X + r.M22 * p.Y + r.M23 * p.Z,
                           r.M31 * p.X + r.M32 * p.Y + r.M33 * p.Z);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float LocalDistance(Vector3 p)
    {
        switch (Kind)
        {
            case PrimitiveKind.Sphere:
                return p.Length() - A;
            case PrimitiveKind.Box:
                return BoxDistance(p, new Vector3(A, B, C));
            case PrimitiveKind.RoundBox:
                return BoxDistance(p, new Vector3(A - D, B - D, C - D)) - D;
            case PrimitiveKind.Cylinder:
                {
                    float dx = MathF.Sqrt(p.X * p.X + p.Y * p.Y) - A, dz = MathF.Abs(p.Z) - B;
                    float ox = MathF.Max(dx, 0), oz = MathF.Max(dz, 0);
                    return MathF.Min(MathF.Max(dx, dz), 0) + MathF.Sqrt(ox * ox + oz * oz);
                }
            case PrimitiveKind.Cone:
                return ConeDistance(MathF.Sqrt(p.X * p.X + p.Y * p.Y), p.Z);
            case PrimitiveKind.Torus:
                {
                    float qx = MathF.Sqrt(p.X * p.X + p.Y * p.Y) - A;
                    return MathF.Sqrt(qx * qx + p.Z * p.Z) - B;
                }
            case PrimitiveKind.Capsule:
                {
                    float z = p.Z - Math.Clamp(p.Z, -B, B);
                    return MathF.Sqrt(p.X * p.X + p.Y * p.Y + z * z) - A;
                }
            case PrimitiveKind.Ellipsoid:
                return EllipsoidDistance(p);
            case PrimitiveKind.Dome:
                return MathF.Max(EllipsoidDistance(p), -p.Z);
            case PrimitiveKind.Roof:
                {
                    float dt = TriangleDistance(MathF.Abs(p.Y), p.Z), dx = MathF.Abs(p.X) - A;
                    float ox = MathF.Max(dt, 0), oz = MathF.Max(dx, 0);
                    return MathF.Min(MathF.Max(dt, dx), 0) + MathF.Sqrt(ox * ox + oz * oz);
                }
            default:
                throw new InvalidOperationException(Kind.ToString());
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float BoxDistance(Vector3 p, Vector3 half)
    {
        var q = Vector3.Abs(p) - half;
        float inside = MathF.Min(MathF.Max(q.X, MathF.Max(q.Y, q.Z)), 0);
        return Vector3.Max(q, Vector3.Zero).Length() + inside;
    }

    // First-order estimate f / |grad f| of the implicit |p / r| - 1; exact on the axes, close elsewhere.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float EllipsoidDistance(Vector3 p)
    {
        var r = new Vector3(A, B, C);
        float k0 = (p / r).Length();
        float k1 = (p / (r * r)).Length();
        return k1 > 0 ? k0 * (k0 - 1) / k1 : -MathF.Min(A, MathF.Min(B, C));
    }

    // In the half-plane (radial distance q, height z): distance to the trapezoid with radii A (bottom, z=-C) and B (top, z=+C).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float ConeDistance(float q, float z)
    {
        float h = C;
        // distance past the caps
        float capRadius = z < 0 ? A : B;
        float caX = q - MathF.Min(q, capRadius), caY = MathF.Abs(z) - h;
        // distance to the slanted side: project onto the segment from (B, h) to (A, -h)
        float ex = A - B, ey = -2 * h;
        float s = Math.Clamp(((q - B) * ex + (z - h) * ey) / (ex * ex + ey * ey), 0, 1);
        float cbX = q - B - ex * s, cbY = z - h - ey * s;
        bool inside = cbX < 0 && caY < 0;
        float d2 = MathF.Min(caX * caX + caY * caY, cbX * cbX + cbY * cbY);
        return (inside ? -1 : 1) * MathF.Sqrt(d2);
    }

    // Signed distance in the (|y|, z) half-plane to the triangle with base (-B..B, 0) and apex (0, C).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private float TriangleDistance(float y, float z)
    {
        // slanted edge from (B, 0) to (0, C)
        float ex = -B, ez = C;
        float s = Math.Clamp(((y - B) * ex + z * ez) / (ex * ex + ez * ez), 0, 1);
        float sx = y - B - ex * s, sz = z - ez * s;
        // base edge from (0, 0) to (B, 0)
        float bx = y - MathF.Min(y, B), bz = z;
        float d = MathF.Sqrt(MathF.Min(sx * sx + sz * sz, bx * bx + bz * bz));
        bool inside = z > 0 && y / B + z / C < 1;
        return inside ? -d : d;
    }

    private Vector3 LocalHalfExtents() => Kind switch
    {
        PrimitiveKind.Sphere => new Vector3(A),
        PrimitiveKind.Box or PrimitiveKind.RoundBox => new Vector3(A, B, C),
        PrimitiveKind.Cylinder => new Vector3(A, A, B),
        PrimitiveKind.Cone => new Vector3(MathF.Max(A, B), MathF.Max(A, B), C),
        PrimitiveKind.Torus => new Vector3(A + B, A + B, B),
        PrimitiveKind.Capsule => new Vector3(A, A, A + B),
        PrimitiveKind.Ellipsoid or PrimitiveKind.Dome => new Vector3(A, B, C),
        PrimitiveKind.Roof => new Vector3(A, B, C),
        _ => throw new InvalidOperationException(Kind.ToString()),
    };

    private float LocalBoundRadius() => Kind switch
    {
        PrimitiveKind.Sphere => A,
        PrimitiveKind.Box or PrimitiveKind.RoundBox => new Vector3(A, B, C).Length(),
        PrimitiveKind.Cylinder => MathF.Sqrt(A * A + B * B),
        PrimitiveKind.Cone => MathF.Sqrt(MathF.Max(A, B) * MathF.Max(A, B) + C * C),
        PrimitiveKind.Torus or PrimitiveKind.Capsule => A + B,
        PrimitiveKind.Ellipsoid or PrimitiveKind.Dome => MathF.Max(A, MathF.Max(B, C)),
        PrimitiveKind.Roof => new Vector3(A, B, C).Length(),
        _ => throw new InvalidOperationException(Kind.ToString()),
    };
}
