using System.Numerics;

namespace DreamTime.Rendering;

/// <summary>
/// A screen triangle ready for edge functions: corners in sample-grid coordinates (wound so that its area is
/// positive), their inverse depths, the barycentric coordinates of each corner within the mesh face it came from
/// (not the identity only when the near plane cut the face), and the samples its bounding box covers.
/// </summary>
internal readonly record struct ScreenTriangle(
    int Face, Vector2 P0, Vector2 P1, Vector2 P2, float InvDepth0, float InvDepth1, float InvDepth2,
    Vector3 Bary0, Vector3 Bary1, Vector3 Bary2, int MinRow, int MaxRow, int MinCol, int MaxCol);
