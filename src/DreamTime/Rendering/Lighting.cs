namespace DreamTime.Rendering;

/// <summary>
/// A directional light fixed in world space with an ambient term: colour = albedo * (ambient + diffuse * max(0, n.l)).
/// Fixed in the world (not the camera) so that appearance does not depend on the view; the built-in prior and
/// the NeRF's "diffuse" shading use the same light, so a NeRF with the right albedo reproduces a member exactly.
/// </summary>
public sealed record Lighting(double Ambient, double Diffuse, double DirX, double DirY, double DirZ)
{
    public static Lighting Default { get; } = Create(0.4, 0.6, 0.5, -0.4, 0.75);

    public static Lighting Create(double ambient, double diffuse, double x, double y, double z)
    {
        double n = Math.Sqrt(x * x + y * y + z * z);
        return new Lighting(ambient, diffuse, x / n, y / n, z / n);
    }
}
