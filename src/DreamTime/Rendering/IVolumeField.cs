using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>A volumetric scene the <see cref="VolumeRenderer"/> can march through (world coordinates).</summary>
public interface IVolumeField
{
    /// <summary>Densities [N] at points [N,3].</summary>
    FieldDensity Density(Tensor points);

    /// <summary>Albedo [K,3] and (when asked) unit normals [K,3] of the points index [K] of a density pass.</summary>
    (Tensor Albedo, Tensor? Normal) Appearance(FieldDensity density, Tensor index, bool normals);
}
