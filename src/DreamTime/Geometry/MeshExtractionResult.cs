namespace DreamTime.Geometry;

/// <param name="Mesh">Empty when the iso-surface does not cross the grid; the caller decides what that means.</param>
/// <param name="DensityMin">Smallest finite density sampled (NaN if none was finite).</param>
/// <param name="DensityMax">Largest finite density sampled (NaN if none was finite).</param>
/// <param name="InsideFraction">Fraction of grid nodes with density above the iso level.</param>
public sealed record MeshExtractionResult(Mesh Mesh, float DensityMin, float DensityMax, double InsideFraction)
{
    public bool IsEmpty => Mesh.IsEmpty;
}
