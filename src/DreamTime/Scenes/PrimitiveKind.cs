namespace DreamTime.Scenes;

public enum PrimitiveKind
{
    /// <summary>Radius A.</summary>
    Sphere,
    /// <summary>Half extents (A, B, C).</summary>
    Box,
    /// <summary>Half extents (A, B, C), edges rounded with radius D.</summary>
    RoundBox,
    /// <summary>Radius A, half height B, along local z.</summary>
    Cylinder,
    /// <summary>Capped cone along local z: radius A at z = -C, radius B at z = +C.</summary>
    Cone,
    /// <summary>Ring in the local xy-plane: major radius A, tube radius B.</summary>
    Torus,
    /// <summary>Segment from z = -B to z = +B along local z, radius A.</summary>
    Capsule,
    /// <summary>Radii (A, B, C). Its distance is the usual first-order estimate, not exact.</summary>
    Ellipsoid,
    /// <summary>The upper half (local z >= 0) of an ellipsoid with radii (A, B, C): a mushroom cap, a roof dome.</summary>
    Dome,
    /// <summary>Gable roof: a triangular prism along local x with half length A, base half width B (at z = 0) and ridge height C.</summary>
    Roof,
}
