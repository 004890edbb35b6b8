using System.Numerics;

namespace DreamTime.Scenes;

/// <summary>World-to-local rotations for primitives (rows are the local axes in world coordinates).</summary>
internal static class Rotations
{
    public static Matrix4x4 FromRows(Vector3 x, Vector3 y, Vector3 z) =>
        new(x.X, x.Y, x.Z, 0, y.X, y.Y, y.Z, 0, z.X, z.Y, z.Z, 0, 0, 0, 0, 1);

    /// <summary>A frame whose local z axis points along dir.</summary>
    public static Matrix4x4 AlignZ(Vector3 dir)
    {
        var z = Vector3.Normalize(dir);
        var helper = MathF.Abs(z.Z) < 0.9f ? Vector3.UnitZ : Vector3.UnitX;
        var x = Vector3.Normalize(Vector3.Cross(helper, z));
        var y = Vector3.Cross(z, x);
        return FromRows(x, y, z);
    }

    /// <summary>The object turned by angle (radians) about the world z axis.</summary>
    public static Matrix4x4 AboutZ(float angle)
    {
        float c = MathF.Cos(angle), s = MathF.Sin(angle);
        return FromRows(new Vector3(c, s, 0), new Vector3(-s, c, 0), Vector3.UnitZ);
    }

    /// <summary>The object turned by angle (radians) about the world x axis.</summary>
    public static Matrix4x4 AboutX(float angle)
    {
        float c = MathF.Cos(angle), s = MathF.Sin(angle);
        return FromRows(Vector3.UnitX, new Vector3(0, c, s), new Vector3(0, -s, c));
    }
}
