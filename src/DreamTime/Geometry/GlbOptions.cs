namespace DreamTime.Geometry;

public sealed record GlbOptions
{
    /// <summary>Mark the material KHR_materials_unlit, so viewers show the vertex colours without shading.</summary>
    public bool Unlit { get; init; }
}
