namespace DreamTime.Rendering;

/// <summary>
/// What image of a render a guidance denoises and an evaluator scores (a stage's guidance_input): the shaded
/// colour render, or the normal map of the geometry (Fantasia3D's geometry stage, see <see cref="NormalImage"/>).
/// </summary>
public enum ImageModality
{
    /// <summary>The shaded render over its background: what the guidance has always seen.</summary>
    Shaded,
    /// <summary>World normals encoded as colour over white (<see cref="NormalImage.Encode"/>): geometry alone.</summary>
    Normal,
}
