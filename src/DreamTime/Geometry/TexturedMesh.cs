using System.Numerics;
using DreamTime.Imaging;

namespace DreamTime.Geometry;

/// <summary>
/// A triangle mesh with a UV atlas (z-up world coordinates, flat arrays as in <see cref="Mesh"/>): Positions [V*3],
/// Indices [F*3], Uvs [V*2], Normals [V*3] (unit), and the textures baked for it. UVs follow glTF: (0, 0) is the
/// top-left corner of the texture's first row and texel (column j, row i) covers [j, j+1]/N x [i, i+1]/N. A vertex
/// on a seam between charts exists once per chart; <see cref="SourceVertex"/> maps each vertex back to the mesh
/// that was unwrapped, and triangle f is that mesh's triangle f. Arrays are treated as read-only.
/// </summary>
public sealed class TexturedMesh
{
    public float[] Positions { get; }
    public int[] Indices { get; }
    public float[] Uvs { get; }
    public float[] Normals { get; }
    /// <summary>[V]: the vertex of the unwrapped mesh each vertex copies; null when not known (a mesh read from a file).</summary>
    public int[]? SourceVertex { get; }
    /// <summary>[F]: the chart each triangle belongs to; null when not known.</summary>
    public int[]? FaceCharts { get; }
    /// <summary>Texels per side that the atlas's gutters were laid out for.</summary>
    public int AtlasResolution { get; }
    /// <summary>Albedo (RGB in [0,1]); null until baked.</summary>
    public RgbImage? BaseColor { get; }
    /// <summary>glTF metallicRoughness: G = roughness, B = metallic; null when not baked.</summary>
    public RgbImage? MetallicRoughness { get; }

    public int VertexCount => Positions.Length / 3;
    public int TriangleCount => Indices.Length / 3;
    public int ChartCount => FaceCharts == null || FaceCharts.Length == 0 ? 0 : FaceCharts.Max() + 1;

    public TexturedMesh(float[] positions, int[] indices, float[] uvs, float[] normals, int atlasResolution,
        int[]? sourceVertex = null, int[]? faceCharts = null, RgbImage? baseColor = null, RgbImage? metallicRoughness = null)
    {
        if (positions.Length % 3 != 0) throw new ArgumentException($"positions length {positions.Length} is not a multiple of 3");
        if (indices.Length % 3 != 0) throw new ArgumentException($"indices length {indices.Length} is not a multiple of 3");
        int v = positions.Length / 3;
        if (uvs.Length != 2 * v) throw new ArgumentException($"uvs length {uvs.Length} != 2 x {v} vertices");
        if (normals.Length != positions.Length)
            throw new ArgumentException($"normals length {normals.Length} != positions length {positions.Length}");
        if (sourceVertex != null && sourceVertex.Length != v)
            throw new ArgumentException($"sourceVertex length {sourceVertex.Length} != {v} vertices");
        if (faceCharts != null && faceCharts.Length != indices.Length / 3)
            throw new ArgumentException($"faceCharts length {faceCharts.Length} != {indices.Length / 3} triangles");
        if (atlasResolution < 1) throw new ArgumentException($"atlas resolution must be positive, got {atlasResolution}");
        foreach (var i in indices)
            if ((uint)i >= (uint)v) throw new ArgumentException($"index {i} out of range for {v} vertices");
        if (metallicRoughness != null && baseColor == null)
            throw new ArgumentException("a metallic-roughness texture needs a base colour texture");
        Positions = positions;
        Indices = indices;
        Uvs = uvs;
        Normals = normals;
        AtlasResolution = atlasResolution;
        SourceVertex = sourceVertex;
        FaceCharts = faceCharts;
        BaseColor = baseColor;
        MetallicRoughness = metallicRoughness;
    }

    public Vector3 Position(int v) => new(Positions[3 * v], Positions[3 * v + 1], Positions[3 * v + 2]);
    public Vector3 Normal(int v) => new(Normals[3 * v], Normals[3 * v + 1], Normals[3 * v + 2]);
    public Vector2 Uv(int v) => new(Uvs[2 * v], Uvs[2 * v + 1]);
    public (int A, int B, int C) Triangle(int f) => (Indices[3 * f], Indices[3 * f + 1], Indices[3 * f + 2]);

    /// <summary>The same geometry and atlas with these textures.</summary>
    public TexturedMesh WithTextures(RgbImage baseColor, RgbImage? metallicRoughness = null) =>
        new(Positions, Indices, Uvs, Normals, AtlasResolution, SourceVertex, FaceCharts, baseColor, metallicRoughness);

    /// <summary>The geometry as a plain mesh (seam vertices stay duplicated), with vertex colours when given.</summary>
    public Mesh ToMesh(float[]? colors = null) => new(Positions, Indices, colors, Normals);
}
