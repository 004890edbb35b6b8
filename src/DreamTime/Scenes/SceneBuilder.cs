using System.Numerics;

namespace DreamTime.Scenes;

/// <summary>Collects primitives in a generator's own units (ground at z = 0), then centres and fits the scene.</summary>
internal sealed class SceneBuilder
{
    private readonly List<Primitive> _primitives = new();

    public SceneBuilder Add(PrimitiveKind kind, Vector3 center, Vector3 albedo, float a, float b = 0, float c = 0, float d = 0,
        Matrix4x4? rotation = null)
    {
        _primitives.Add(Primitive.Create(kind, center, albedo, a, b, c, d, rotation));
        return this;
    }

    public SceneBuilder Sphere(Vector3 c, float r, Vector3 col) => Add(PrimitiveKind.Sphere, c, col, r);
    public SceneBuilder Box(Vector3 c, Vector3 half, Vector3 col, Matrix4x4? rot = null) =>
        Add(PrimitiveKind.Box, c, col, half.X, half.Y, half.Z, 0, rot);
    public SceneBuilder RoundBox(Vector3 c, Vector3 half, float radius, Vector3 col, Matrix4x4? rot = null) =>
        Add(PrimitiveKind.RoundBox, c, col, half.X, half.Y, half.Z, radius, rot);
    public SceneBuilder Cylinder(Vector3 c, float r, float halfHeight, Vector3 col, Matrix4x4? rot = null) =>
        Add(PrimitiveKind.Cylinder, c, col, r, halfHeight, 0, 0, rot);
    public SceneBuilder Cone(Vector3 c, float bottomR, float topR, float halfHeight, Vector3 col, Matrix4x4? rot = null) =>
        Add(PrimitiveKind.Cone, c, col, bottomR, topR, halfHeight, 0, rot);
    public SceneBuilder Torus(Vector3 c, float major, float minor, Vector3 col, Matrix4x4? rot = null) =>
        Add(PrimitiveKind.Torus, c, col, major, minor, 0, 0, rot);
    public SceneBuilder Capsule(Vector3 c, float r, float halfLength, Vector3 col, Matrix4x4? rot = null) =>
        Add(PrimitiveKind.Capsule, c, col, r, halfLength, 0, 0, rot);
    public SceneBuilder Ellipsoid(Vector3 c, Vector3 radii, Vector3 col, Matrix4x4? rot = null) =>
        Add(PrimitiveKind.Ellipsoid, c, col, radii.X, radii.Y, radii.Z, 0, rot);
    public SceneBuilder Dome(Vector3 c, Vector3 radii, Vector3 col) => Add(PrimitiveKind.Dome, c, col, radii.X, radii.Y, radii.Z);
    public SceneBuilder Roof(Vector3 c, float halfLength, float halfWidth, float height, Vector3 col) =>
        Add(PrimitiveKind.Roof, c, col, halfLength, halfWidth, height);

    /// <summary>Capsule between two points.</summary>
    public SceneBuilder Segment(Vector3 a, Vector3 b, float r, Vector3 col) =>
        Capsule((a + b) * 0.5f, r, (b - a).Length() * 0.5f, col, Rotations.AlignZ(b - a));

    /// <summary>
    /// Centres the bounding box on the origin and scales the scene so that the primitives' bounding spheres just
    /// fit in the sphere of radius fitRadius: every member fills the view alike, proportions carry the variation.
    /// </summary>
    public PriorScene Build(float fitRadius = 0.8f)
    {
        var raw = new PriorScene(_primitives.ToArray());
        var (min, max) = raw.Bounds();
        var offset = -(min + max) * 0.5f;
        var moved = _primitives.Select(p => p.MovedAndScaled(offset, 1)).ToArray();
        float s = fitRadius / new PriorScene(moved).BoundRadius;
        return new PriorScene(moved.Select(p => p.MovedAndScaled(Vector3.Zero, s)).ToArray());
    }
}
