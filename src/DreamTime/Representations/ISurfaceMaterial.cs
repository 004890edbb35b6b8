namespace DreamTime.Representations;

/// <summary>
/// A representation whose surface colour is a field in space (a mesh stage's texture field): the export bakes it into
/// a UV atlas (a textured GLB, OBJ+MTL+PNG) instead of vertex colours.
/// </summary>
public interface ISurfaceMaterial
{
    /// <summary>Albedo [P*3] in [0,1] at surface points [P*3] with their unit normals [P*3].</summary>
    float[] AlbedoAt(float[] points, float[] normals);

    /// <summary>Roughness and metallic [P*2] at surface points, or null for a material without them (glTF's
    /// metallicRoughness texture is then not written).</summary>
    Func<float[], float[], float[]>? RoughnessMetallicAt { get; }
}
