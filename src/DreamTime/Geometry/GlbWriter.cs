using System.Numerics;
using DreamTime.Runtime;
using SharpGLTF.Memory;
using SharpGLTF.Schema2;

namespace DreamTime.Geometry;

/// <summary>
/// Writes a mesh as binary glTF 2.0 (.glb): one node, one mesh, one triangle primitive with POSITION, NORMAL,
/// COLOR_0 (float rgb) and 32-bit indices, and one single-sided material (base colour white so the vertex colours
/// show as they are, metallic 0, roughness 1).
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

    public static Vector3 ToGltfAxes(Vector3 zUp) => new(zUp.X, zUp.Z, -zUp.Y);

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
        var material = model.CreateMaterial("surface");
        if (options.Unlit) material.InitializeUnlit();
        else
        {
            material.InitializePBRMetallicRoughness();
            SetMetallicRoughness(material, metallic: 0f, roughness: 1f);
        }
        material.DoubleSided = false;

        var gltfMesh = model.CreateMesh("surface");
        var primitive = gltfMesh.CreatePrimitive();
        primitive.DrawPrimitiveType = PrimitiveType.TRIANGLES;
        primitive.SetVertexAccessor("POSITION", CreateVec3Accessor(model, positions));
        primitive.SetVertexAccessor("NORMAL", CreateVec3Accessor(model, normals));
        primitive.SetVertexAccessor("COLOR_0", CreateVec3Accessor(model, colors));
        primitive.SetIndexAccessor(CreateIndexAccessor(model, mesh.Indices));
        primitive.Material = material;

        var scene = model.UseScene("scene");
        model.DefaultScene = scene; // some viewers want the "scene" property rather than assuming the first
        scene.CreateNode("surface").Mesh = gltfMesh;
        return model;
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
