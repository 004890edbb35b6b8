using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Rendering;

public static class VolumeFieldExtensions
{
    /// <summary>Density, albedo and normals of every point.</summary>
    public static FieldSamples Query(this IVolumeField field, Tensor points, bool normals)
    {
        var d = field.Density(points);
        var all = ScalarArithmetic.Arange(points.shape[0], device: points.device);
        var (albedo, normal) = field.Appearance(d, all, normals);
        return new FieldSamples(d.Density, albedo, normal);
    }
}
