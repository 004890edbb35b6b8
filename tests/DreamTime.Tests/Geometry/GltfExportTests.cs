using System.Numerics;
using System.Text;
using System.Text.Json;
using DreamTime.Geometry;
using SharpGLTF.Schema2;
using Xunit;
using Mesh = DreamTime.Geometry.Mesh;

namespace DreamTime.Tests.Geometry;

public sealed class GltfExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dreamtime-gltf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A marching-cubes ball with colours that vary per vertex, so a mix-up of order would show.</summary>
    internal static Mesh ColouredBall()
    {
        int n = 20;
        var mesh = MarchingCubes.Extract(TestShapes.SampleGrid(n, TestShapes.UnitBounds, TestShapes.Ball(new Vector3(0.1f, 0, 0), 0.55f)),
            n, n, n, TestShapes.UnitBounds, 0f);
        var colors = new float[mesh.Positions.Length];
        for (int i = 0; i < colors.Length; i++) colors[i] = (mesh.Positions[i] + 1) / 2;
        return mesh.WithColors(colors);
    }

    [Fact]
    public void GlbContainerIsWellFormed()
    {
        var path = Path.Combine(_dir, "ball.glb");
        GlbWriter.Write(path, ColouredBall());
        var bytes = File.ReadAllBytes(path);

        Assert.Equal(0x46546C67u, BitConverter.ToUInt32(bytes, 0)); // "glTF"
        Assert.Equal(2u, BitConverter.ToUInt32(bytes, 4));
        Assert.Equal((uint)bytes.Length, BitConverter.ToUInt32(bytes, 8));

        int jsonLength = (int)BitConverter.ToUInt32(bytes, 12);
        Assert.Equal(0x4E4F534Au, BitConverter.ToUInt32(bytes, 16)); // "JSON"
        Assert.Equal(0, jsonLength % 4);
        int binHeader = 20 + jsonLength;
        int binLength = (int)BitConverter.ToUInt32(bytes, binHeader);
        Assert.Equal(0x004E4942u, BitConverter.ToUInt32(bytes, binHeader + 4)); // "BIN\0"
        Assert.Equal(0, binLength % 4);
        Assert.Equal(bytes.Length, binHeader + 8 + binLength);

        using var json = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 20, jsonLength));
        var root = json.RootElement;
        Assert.Equal("2.0", root.GetProperty("asset").GetProperty("version").GetString());
        Assert.Equal(0, root.GetProperty("scene").GetInt32());
        Assert.True(root.GetProperty("buffers")[0].GetProperty("byteLength").GetInt32() <= binLength);
        var attributes = root.GetProperty("meshes")[0].GetProperty("primitives")[0].GetProperty("attributes");
        var position = root.GetProperty("accessors")[attributes.GetProperty("POSITION").GetInt32()];
        Assert.Equal(3, position.GetProperty("min").GetArrayLength());
        Assert.Equal(3, position.GetProperty("max").GetArrayLength());
        Assert.True(attributes.TryGetProperty("NORMAL", out _));
        Assert.True(attributes.TryGetProperty("COLOR_0", out _));
    }

    [Fact]
    public void GlbReadsBackWithSharpGltf()
    {
        var mesh = ColouredBall();
        var path = Path.Combine(_dir, "ball.glb");
        GlbWriter.Write(path, mesh);

        var model = ModelRoot.Load(path);
        Assert.Single(model.LogicalMeshes);
        var primitive = Assert.Single(model.LogicalMeshes[0].Primitives);
        Assert.Equal(PrimitiveType.TRIANGLES, primitive.DrawPrimitiveType);

        var positions = primitive.GetVertexAccessor("POSITION").AsVector3Array();
        var normals = primitive.GetVertexAccessor("NORMAL").AsVector3Array();
        var colors = primitive.GetVertexAccessor("COLOR_0").AsVector3Array();
        var triangles = primitive.GetTriangleIndices().ToList();
        Assert.Equal(mesh.VertexCount, positions.Count);
        Assert.Equal(mesh.TriangleCount, triangles.Count);
        for (int v = 0; v < mesh.VertexCount; v++)
        {
            var p = mesh.Position(v);
            Assert.Equal(new Vector3(p.X, p.Z, -p.Y), positions[v]); // z-up -> y-up
            Assert.Equal(mesh.Color(v), colors[v]);
            var n = mesh.Normal(v);
            Assert.True(Vector3.Distance(new Vector3(n.X, n.Z, -n.Y), normals[v]) < 1e-6f);
        }
        for (int f = 0; f < mesh.TriangleCount; f++)
            Assert.Equal(mesh.Triangle(f), triangles[f]);

        // The rotation keeps the winding outward: the enclosed volume computed in glTF axes is still positive.
        double volume = triangles.Sum(t => (double)Vector3.Dot(positions[t.A], Vector3.Cross(positions[t.B], positions[t.C])) / 6);
        Assert.True(Math.Abs(volume - mesh.SignedVolume()) < 1e-4 && volume > 0);

        var (min, max) = mesh.BoundingBox();
        var bounds = model.LogicalAccessors[primitive.GetVertexAccessor("POSITION").LogicalIndex];
        Assert.Equal(min.X, bounds.Bounds.Min[0]);
        Assert.Equal(max.Z, bounds.Bounds.Max[1]);
        Assert.Equal(-max.Y, bounds.Bounds.Min[2]);

        var material = primitive.Material;
        Assert.False(material.DoubleSided);
        Assert.False(material.Unlit);
        var mr = material.FindChannel("MetallicRoughness")!.Value;
        Assert.Equal(0f, mr.GetFactor("MetallicFactor"));
        Assert.Equal(1f, mr.GetFactor("RoughnessFactor"));
        Assert.Equal(Vector4.One, material.FindChannel("BaseColor")!.Value.Color);

        var node = Assert.Single(model.DefaultScene.VisualChildren);
        Assert.Same(model.LogicalMeshes[0], node.Mesh);
        Assert.Single(Directory.GetFiles(_dir)); // written atomically: no temp file left beside it
    }

    [Fact]
    public void UnlitOptionMarksTheMaterial()
    {
        var path = Path.Combine(_dir, "unlit.glb");
        GlbWriter.Write(path, ColouredBall(), new GlbOptions { Unlit = true });
        var model = ModelRoot.Load(path);
        Assert.True(model.LogicalMaterials[0].Unlit);
        Assert.Contains("KHR_materials_unlit", model.ExtensionsUsed);
    }

    [Fact]
    public void MissingNormalsAreComputedFromFaces()
    {
        // A tetrahedron without normals: each exported normal is the unit average of its faces' normals.
        var mesh = new Mesh([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3]);
        var path = Path.Combine(_dir, "tet.glb");
        GlbWriter.Write(path, mesh);
        var normals = ModelRoot.Load(path).LogicalMeshes[0].Primitives[0].GetVertexAccessor("NORMAL").AsVector3Array();
        var expectedZUp = Vector3.Normalize(new Vector3(-1, -1, -1)); // vertex 0 touches the three axis faces
        Assert.True(Vector3.Distance(new Vector3(expectedZUp.X, expectedZUp.Z, -expectedZUp.Y), normals[0]) < 1e-6f);
        foreach (var n in normals) Assert.True(MathF.Abs(n.Length() - 1) < 1e-6f);
    }

    [Fact]
    public void EmptyMeshIsRefused()
    {
        Assert.Throws<ArgumentException>(() => GlbWriter.Write(Path.Combine(_dir, "e.glb"), Mesh.Empty));
        Assert.Empty(Directory.GetFiles(_dir));
    }
}
