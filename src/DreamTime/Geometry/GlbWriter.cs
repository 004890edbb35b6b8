using System.Numerics;
using DreamTime.Imaging;
using DreamTime.Runtime;
using SharpGLTF.Memory;
using SharpGLTF.Schema2;

namespace DreamTime.Geometry;

/// <summary>
/// Writes a mesh as binary glTF 2.0 (.glb): one node, one mesh, one triangle primitive with POSITION, NORMAL,
/// COLOR_0 (float rgb) and 32-bit indices, and one single-sided material (base colour white so the vertex colours
/// show as they are, metallic 0, roughness 1). A <see cref="TexturedMesh"/> is written the same way with
/// TEXCOORD_0 instead of COLOR_0 and its textures embedded as PNG: baseColorTexture, and metallicRoughnessTexture
/// (with both factors 1, so the texture's values are the material's) when one was baked.
/// Axes: our world is z-up, glTF is y-up, so every position and normal is rotated by (x, y, z) -> (x, z, -y).
/// That is a proper rotation (determinant +1), so the triangles' winding and outward normals survive it.
/// </summary>
public static class GlbWriter
{
    public static void Write(string path, Mesh mesh, GlbOptions? options = null)
    {
        var model = BuildModel(mesh, options ?? new GlbOptions());
        AtomicFile.Write(path, s => model.WriteGLB(s));
    }

    public static void Write(string path, TexturedMesh mesh, GlbOptions? options = null)
    {
        var model = BuildModel(mesh, options ?? new GlbOptions());
        AtomicFile.Write(path, s => model.WriteGLB(s));
    }

    public static Vector3 ToGltfAxes(Vector3 zUp) => new(zUp.X, zUp.Z, -zUp.Y);

    /// <summary>The inverse of <see cref="ToGltfAxes"/>: glTF's y-up back to our z-up.</summary>
    public static Vector3 FromGltfAxes(Vector3 yUp) => new(yUp.X, -yUp.Z, yUp.Y);

    public static ModelRoot BuildModel(TexturedMesh mesh, GlbOptions options)
    {
        if (mesh.TriangleCount == 0) throw new ArgumentException("cannot write an empty mesh as glTF (no triangles)");
        var baseColor = mesh.BaseColor ?? throw new ArgumentException("the textured mesh has no base colour texture to write");
        var positions = new Vector3[mesh.VertexCount];
        var normals = new Vector3[mesh.VertexCount];
        var uvs = new Vector2[mesh.VertexCount];
        for (int v = 0; v < mesh.VertexCount; v++)
        {
            positions[v] = ToGltfAxes(mesh.Position(v));
            var n = mesh.Normal(v);
            // glTF requires unit normals; a stored zero or non-finite one gets a stand-in rather than an invalid file.
            normals[v] = ToGltfAxes(n.LengthSquared() > 1e-12f && float.IsFinite(n.LengthSquared()) ? Vector3.Normalize(n) : Vector3.UnitZ);
            uvs[v] = mesh.Uv(v);
        }

        var model = ModelRoot.CreateModel();
        var material = CreateMaterial(model, options, metallic: mesh.MetallicRoughness != null ? 1f : 0f, roughness: 1f);
        var sampler = model.UseTextureSampler(TextureWrapMode.CLAMP_TO_EDGE, TextureWrapMode.CLAMP_TO_EDGE,
            TextureMipMapFilter.LINEAR_MIPMAP_LINEAR, TextureInterpolationFilter.LINEAR);
        SetTexture(model, material, "BaseColor", baseColor, sampler);
        // an unlit material has no metallic-roughness channel
        if (mesh.MetallicRoughness != null && !options.Unlit)
            SetTexture(model, material, "MetallicRoughness", mesh.MetallicRoughness, sampler);

        var primitive = AddPrimitive(model, material, positions, normals, mesh.Indices);
        primitive.SetVertexAccessor("TEXCOORD_0", CreateVec2Accessor(model, uvs));
        return model;
    }

    public static ModelRoot BuildModel(Mesh mesh, GlbOptions options)
    {
        if (mesh.IsEmpty) throw new ArgumentException("cannot write an empty mesh as glTF (no triangles)");

        var positions = new Vector3[mesh.VertexCount];
        var normals = new Vector3[mesh.VertexCount];
        var colors = new Vector3[mesh.VertexCount];
        var unitNormals = mesh.UnitNormalsForExport();
        for (int v = 0; v < mesh.VertexCount; v++)
        {
            positions[v] = ToGltfAxes(mesh.Position(v));
            normals[v] = ToGltfAxes(new Vector3(unitNormals[3 * v], unitNormals[3 * v + 1], unitNormals[3 * v + 2]));
            colors[v] = Vector3.Clamp(mesh.Color(v), Vector3.Zero, Vector3.One);
        }

        var model = ModelRoot.CreateModel();
        var material = CreateMaterial(model, options, metallic: 0f, roughness: 1f);
        var primitive = AddPrimitive(model, material, positions, normals, mesh.Indices);
        primitive.SetVertexAccessor("COLOR_0", CreateVec3Accessor(model, colors));
        return model;
    }

    private static Material CreateMaterial(ModelRoot model, GlbOptions options, float metallic, float roughness)
    {
        var material = model.CreateMaterial("surface");
        if (options.Unlit) material.InitializeUnlit();
        else
        {
            material.InitializePBRMetallicRoughness();
            SetMetallicRoughness(material, metallic, roughness);
        }
        material.DoubleSided = false;
        return material;
    }

    /// <summary>The scene's one node, mesh and triangle primitive with positions, normals and indices.</summary>
    private static MeshPrimitive AddPrimitive(ModelRoot model, Material material, Vector3[] positions, Vector3[] normals, int[] indices)
    {
        var gltfMesh = model.CreateMesh("surface");
        var primitive = gltfMesh.CreatePrimitive();
        primitive.DrawPrimitiveType = PrimitiveType.TRIANGLES;
        primitive.SetVertexAccessor("POSITION", CreateVec3Accessor(model, positions));
        primitive.SetVertexAccessor("NORMAL", CreateVec3Accessor(model, normals));
        primitive.SetIndexAccessor(CreateIndexAccessor(model, indices));
        primitive.Material = material;

        var scene = model.UseScene("scene");
        model.DefaultScene = scene; // some viewers want the "scene" property rather than assuming the first
        scene.CreateNode("surface").Mesh = gltfMesh;
        return primitive;
    }

    private static void SetTexture(ModelRoot model, Material material, string channelName, RgbImage image, TextureSampler sampler)
    {
        var channel = material.FindChannel(channelName)
            ?? throw new InvalidOperationException($"material has no {channelName} channel");
        channel.SetTexture(0, model.UseTexture(model.UseImage(new MemoryImage(EncodePng(image))), sampler));
    }

    /// <summary>The image as PNG bytes (8 bits per channel, opaque).</summary>
    public static byte[] EncodePng(RgbImage image)
    {
        using var bitmap = ImageIO.ToBitmap(image);
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static Accessor CreateVec2Accessor(ModelRoot model, Vector2[] values)
    {
        var bytes = new byte[values.Length * 8];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes);
        var view = model.UseBufferView(bytes, 0, null, 0, BufferMode.ARRAY_BUFFER);
        var accessor = model.CreateAccessor();
        accessor.SetVertexData(view, 0, values.Length, new AttributeFormat(DimensionType.VEC2, EncodingType.FLOAT, false));
        return accessor;
    }

    private static Accessor CreateVec3Accessor(ModelRoot model, Vector3[] values)
    {
        var bytes = new byte[values.Length * 12];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes);
        var view = model.UseBufferView(bytes, 0, null, 0, BufferMode.ARRAY_BUFFER);
        var accessor = model.CreateAccessor();
        accessor.SetVertexData(view, 0, values.Length, new AttributeFormat(DimensionType.VEC3, EncodingType.FLOAT, false));
        return accessor;
    }

    private static Accessor CreateIndexAccessor(ModelRoot model, int[] indices)
    {
        var bytes = new byte[indices.Length * 4];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(indices.AsSpan()).CopyTo(bytes);
        var view = model.UseBufferView(bytes, 0, null, 0, BufferMode.ELEMENT_ARRAY_BUFFER);
        var accessor = model.CreateAccessor();
        accessor.SetIndexData(view, 0, indices.Length, IndexEncodingType.UNSIGNED_INT);
        return accessor;
    }

    private static void SetMetallicRoughness(Material material, float metallic, float roughness)
    {
        var channel = material.FindChannel("MetallicRoughness")
            ?? throw new InvalidOperationException("material has no MetallicRoughness channel");
        channel.SetFactor("MetallicFactor", metallic);
        channel.SetFactor("RoughnessFactor", roughness);
    }
}
