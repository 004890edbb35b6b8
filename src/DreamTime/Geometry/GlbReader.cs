using DreamTime.Imaging;
using DreamTime.Runtime;
using SharpGLTF.Schema2;
using SkiaSharp;

namespace DreamTime.Geometry;

/// <summary>
/// Reads back a textured GLB as <see cref="GlbWriter"/> writes it: the first mesh's first triangle primitive
/// (POSITION, NORMAL, TEXCOORD_0, indices, node transforms not applied) and its material's base colour and
/// metallic-roughness textures, with positions and normals turned back to z-up.
/// </summary>
public static class GlbReader
{
    public static TexturedMesh ReadTextured(string path)
    {
        if (!File.Exists(path)) throw new UserError($"{path}: file not found");
        // SharpGLTF checks the file as it loads and its accessors as they are read; any complaint is about the file.
        try { return Read(path, ModelRoot.Load(path)); }
        catch (Exception e) when (e is not UserError)
        {
            throw new UserError($"{path}: not a glTF file SharpGLTF can read ({e.Message})");
        }
    }

    private static TexturedMesh Read(string path, ModelRoot model)
    {
        var primitive = model.LogicalMeshes.SelectMany(m => m.Primitives)
                .FirstOrDefault(p => p.DrawPrimitiveType == PrimitiveType.TRIANGLES)
            ?? throw new UserError($"{path}: has no triangle mesh");
        var uvAccessor = primitive.GetVertexAccessor("TEXCOORD_0") ?? throw new UserError($"{path}: the mesh has no TEXCOORD_0");
        var positions = (primitive.GetVertexAccessor("POSITION") ?? throw new UserError($"{path}: the mesh has no POSITION"))
            .AsVector3Array();
        var uvs = uvAccessor.AsVector2Array();
        var normalAccessor = primitive.GetVertexAccessor("NORMAL");
        var indices = primitive.GetTriangleIndices().SelectMany(t => new[] { t.A, t.B, t.C }).ToArray();
        int n = positions.Count;
        var p = new float[3 * n];
        var uv = new float[2 * n];
        for (int v = 0; v < n; v++)
        {
            var q = GlbWriter.FromGltfAxes(positions[v]);
            p[3 * v] = q.X; p[3 * v + 1] = q.Y; p[3 * v + 2] = q.Z;
            uv[2 * v] = uvs[v].X; uv[2 * v + 1] = uvs[v].Y;
        }
        float[] normals;
        if (normalAccessor != null)
        {
            var stored = normalAccessor.AsVector3Array();
            normals = new float[3 * n];
            for (int v = 0; v < n; v++)
            {
                var q = GlbWriter.FromGltfAxes(stored[v]);
                normals[3 * v] = q.X; normals[3 * v + 1] = q.Y; normals[3 * v + 2] = q.Z;
            }
        }
        else normals = new Mesh(p, indices).UnitNormalsForExport();
        var material = primitive.Material;
        var baseColor = Texture(path, material, "BaseColor") ?? throw new UserError($"{path}: the material has no base colour texture");
        int resolution = Math.Max(baseColor.Width, baseColor.Height);
        return new TexturedMesh(p, indices, uv, normals, resolution, baseColor: baseColor,
            metallicRoughness: Texture(path, material, "MetallicRoughness"));
    }

    private static RgbImage? Texture(string path, Material? material, string channelName)
    {
        var image = material?.FindChannel(channelName)?.Texture?.PrimaryImage;
        if (image == null) return null;
        using var bitmap = SKBitmap.Decode(image.Content.Content.ToArray())
            ?? throw new UserError($"{path}: the {channelName} texture is not an image SkiaSharp can decode");
        return ImageIO.FromBitmap(bitmap);
    }
}
