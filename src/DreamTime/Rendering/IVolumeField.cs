using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>What a field says about a batch of points: density [N] (>= 0), albedo [N,3] in [0,1], unit normals [N,3] when asked.</summary>
public sealed record FieldSamples(Tensor Density, Tensor Albedo, Tensor? Normal);

/// <summary>
/// Densities of a batch of points plus whatever the field keeps to answer appearance questions about a subset
/// of them later (features, activations), so the renderer can skip samples that cannot be seen.
/// </summary>
public sealed record FieldDensity(Tensor Density, Tensor Points, object? State);

/// <summary>A volumetric scene the <see cref="VolumeRenderer"/> can march through (world coordinates).</summary>
public interface IVolumeField
{
    /// <summary>Densities [N] at points [N,3].</summary>
    FieldDensity Density(Tensor points);

    /// <summary>Albedo [K,3] and (when asked) unit normals [K,3] of the points index [K] of a density pass.</summary>
    (Tensor Albedo, Tensor? Normal) Appearance(FieldDensity density, Tensor index, bool normals);
}

public static class VolumeFieldExtensions
{
    /// <summary>Density, albedo and normals of every point.</summary>
    public static FieldSamples Query(this IVolumeField field, Tensor points, bool normals)
    {
        var d = field.Density(points);
        var all = torch.arange(points.shape[0], device: points.device);
        var (albedo, normal) = field.Appearance(d, all, normals);
        return new FieldSamples(d.Density, albedo, normal);
    }
}
