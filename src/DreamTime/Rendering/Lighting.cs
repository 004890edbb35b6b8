using System.Numerics;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>
/// A directional light fixed in world space with an ambient term: colour = albedo * (ambient + diffuse * max(0, n.l)).
/// Fixed in the world (not the camera) so that appearance does not depend on the view; the built-in prior and
/// the NeRF's "diffuse" shading use the same light, so a NeRF with the right albedo reproduces a member exactly.
/// </summary>
/// <remarks>
/// The formula lives here once, in two forms side by side: per sample for the CPU renderers (the prior's
/// sphere tracer, the mesh rasteriser) and per tensor row for the NeRF. Evaluation scores NeRF renders and mesh
/// rasters against the prior's renders, so any change to one form must be made to the other; a test holds
/// them equal on random inputs.
/// </remarks>
public sealed record Lighting(double Ambient, double Diffuse, double DirX, double DirY, double DirZ)
{
    public static Lighting Default { get; } = Create(0.4, 0.6, 0.5, -0.4, 0.75);

    public static Lighting Create(double ambient, double diffuse, double x, double y, double z)
    {
        double n = Math.Sqrt(x * x + y * y + z * z);
        return new Lighting(ambient, diffuse, x / n, y / n, z / n);
    }

    /// <summary>Light reaching a surface of unit normal n: ambient + diffuse * max(0, n.l).</summary>
    public float Intensity(Vector3 normal) =>
        (float)Ambient + (float)Diffuse * MathF.Max(0, Vector3.Dot(normal, new Vector3((float)DirX, (float)DirY, (float)DirZ)));

    /// <summary>A sample's colour under a shading mode (the normal is not read for Albedo).</summary>
    public Vector3 Shade(Vector3 albedo, Vector3 normal, ShadingMode shading = ShadingMode.Diffuse) => shading switch
    {
        ShadingMode.Albedo => albedo,
        ShadingMode.Textureless => new Vector3(Intensity(normal)),
        _ => albedo * Intensity(normal),
    };

    /// <summary><see cref="Intensity(Vector3)"/> of unit normals [N,3], as [N,1] in the normals' dtype.</summary>
    public Tensor Intensity(Tensor normal)
    {
        var l = torch.tensor(new[] { DirX, DirY, DirZ }, dtype: normal.dtype, device: normal.device);
        var lambert = (normal * l).sum(-1, keepdim: true).clamp_min(Scalars.Of(0));
        return lambert.Times(Diffuse).Plus(Ambient);
    }

    /// <summary><see cref="Shade(Vector3, Vector3, ShadingMode)"/> of albedos
    /// and normals [N,3]; normals may be null only for Albedo.</summary>
    public Tensor Shade(Tensor albedo, Tensor? normal, ShadingMode shading)
    {
        if (shading == ShadingMode.Albedo) return albedo;
        if (normal is null) throw new ArgumentException($"{shading} shading needs normals");
        var intensity = Intensity(normal);
        return shading == ShadingMode.Textureless ? intensity.expand(-1, 3) : albedo * intensity;
    }
}
