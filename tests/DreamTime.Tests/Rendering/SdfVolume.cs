using System.Numerics;
using DreamTime.Rendering;
using DreamTime.Scenes;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Tests.Rendering;

/// <summary>A built-in-prior scene as a volume: opaque inside its SDF, the nearest primitive's albedo, SDF-gradient normals.</summary>
internal sealed class SdfVolume(PriorScene scene) : IVolumeField
{
    public FieldDensity Density(Tensor points)
    {
        var p = points.to(ScalarType.Float32).data<float>().ToArray();
        var density = new float[p.Length / 3];
        for (int i = 0; i < density.Length; i++)
            density[i] = scene.Distance(new Vector3(p[3 * i], p[3 * i + 1], p[3 * i + 2])) < 0 ? 1e4f : 0f;
        return new FieldDensity(torch.tensor(density), points, null);
    }

    public (Tensor Albedo, Tensor? Normal) Appearance(FieldDensity density, Tensor index, bool normals)
    {
        var p = density.Points.index_select(0, index).data<float>().ToArray();
        int n = p.Length / 3;
        var albedo = new float[3 * n];
        var normal = new float[3 * n];
        const float e = 1e-3f;
        for (int i = 0; i < n; i++)
        {
            var x = new Vector3(p[3 * i], p[3 * i + 1], p[3 * i + 2]);
            var nearest = scene.Primitives.MinBy(q => q.Distance(x))!;
            albedo[3 * i] = nearest.Albedo.X; albedo[3 * i + 1] = nearest.Albedo.Y; albedo[3 * i + 2] = nearest.Albedo.Z;
            var g = Vector3.Normalize(new Vector3(
                scene.Distance(x + new Vector3(e, 0, 0)) - scene.Distance(x - new Vector3(e, 0, 0)),
                scene.Distance(x + new Vector3(0, e, 0)) - scene.Distance(x - new Vector3(0, e, 0)),
                scene.Distance(x + new Vector3(0, 0, e)) - scene.Distance(x - new Vector3(0, 0, e))));
            normal[3 * i] = g.X; normal[3 * i + 1] = g.Y; normal[3 * i + 2] = g.Z;
        }
        return (torch.tensor(albedo, new long[] { n, 3 }), normals ? torch.tensor(normal, new long[] { n, 3 }) : null);
    }
}
