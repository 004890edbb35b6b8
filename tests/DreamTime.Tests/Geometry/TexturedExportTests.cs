using System.Globalization;
using System.Numerics;
using DreamTime.Geometry;
using DreamTime.Imaging;
using DreamTime.Runtime;
using SharpGLTF.Schema2;
using Xunit;
using Mesh = DreamTime.Geometry.Mesh;

namespace DreamTime.Tests.Geometry;

public sealed class TexturedExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dreamtime-textured-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A small ball unwrapped at 128 texels, baked with position colours (and a metallic-roughness texture when asked).</summary>
    internal static TexturedMesh BakedBall(bool metallicRoughness)
    {
        var atlas = UvUnwrap.Unwrap(AtlasShapes.Ball(16, 0.6f), new UvUnwrapOptions { Resolution = 128 });
        return TextureBaker.Bake(atlas, (p, _) => AtlasShapes.PositionColours(p),
            metallicRoughness ? RoughnessMetallic : null);
    }

    private static float[] RoughnessMetallic(float[] points, float[] normals)
    {
        var values = new float[points.Length / 3 * 2];
        for (int i = 0; i < points.Length / 3; i++)
        {
            values[2 * i] = 0.3f + points[3 * i] / 4;
            values[2 * i + 1] = 0.1f;
        }
        return values;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GlbReadsBackWithSharpGltf(bool metallicRoughness)
    {
        var mesh = BakedBall(metallicRoughness);
        var path = Path.Combine(_dir, "ball.glb");
        GlbWriter.Write(path, mesh);
        Assert.Single(Directory.GetFiles(_dir)); // written atomically, textures inside

        var model = ModelRoot.Load(path);
        var primitive = Assert.Single(Assert.Single(model.LogicalMeshes).Primitives);
        var uvs = primitive.GetVertexAccessor("TEXCOORD_0").AsVector2Array();
        var positions = primitive.GetVertexAccessor("POSITION").AsVector3Array();
        Assert.Equal(mesh.VertexCount, uvs.Count);
        Assert.Null(primitive.GetVertexAccessor("COLOR_0"));
        for (int v = 0; v < mesh.VertexCount; v++)
        {
            Assert.Equal(mesh.Uv(v), uvs[v]);
            var p = mesh.Position(v);
            Assert.Equal(new Vector3(p.X, p.Z, -p.Y), positions[v]);
        }
        Assert.Equal(mesh.TriangleCount, primitive.GetTriangleIndices().Count());

        var material = primitive.Material;
        var baseColor = material.FindChannel("BaseColor")!.Value;
        Assert.Equal(0, baseColor.TextureCoordinate);
        var image = baseColor.Texture.PrimaryImage.Content;
        Assert.True(image.IsPng);
        Assert.Equal(TextureWrapMode.CLAMP_TO_EDGE, baseColor.TextureSampler.WrapS);
        Assert.Equal(Vector4.One, baseColor.Color);
        var mr = material.FindChannel("MetallicRoughness")!.Value;
        if (metallicRoughness)
        {
            Assert.NotNull(mr.Texture);
            Assert.True(mr.Texture.PrimaryImage.Content.IsPng);
            Assert.Equal(1f, mr.GetFactor("MetallicFactor"));
            Assert.Equal(1f, mr.GetFactor("RoughnessFactor"));
            Assert.Equal(2, model.LogicalImages.Count);
        }
        else
        {
            Assert.Null(mr.Texture);
            Assert.Equal(0f, mr.GetFactor("MetallicFactor"));
            Assert.Single(model.LogicalImages);
        }

        // Our own reader gives the mesh back, z-up, with the texture as baked up to 8-bit rounding.
        var back = GlbReader.ReadTextured(path);
        Assert.Equal(mesh.Indices, back.Indices);
        Assert.Equal(mesh.Uvs, back.Uvs);
        for (int i = 0; i < mesh.Positions.Length; i++) Assert.Equal(mesh.Positions[i], back.Positions[i]);
        for (int i = 0; i < mesh.Normals.Length; i++) Assert.True(MathF.Abs(mesh.Normals[i] - back.Normals[i]) < 1e-6f);
        AssertSameImage(mesh.BaseColor!, back.BaseColor!);
        if (metallicRoughness) AssertSameImage(mesh.MetallicRoughness!, back.MetallicRoughness!);
        else Assert.Null(back.MetallicRoughness);
    }

    private static void AssertSameImage(RgbImage expected, RgbImage actual)
    {
        Assert.Equal((expected.Height, expected.Width), (actual.Height, actual.Width));
        for (int i = 0; i < expected.Pixels.Length; i++)
            Assert.True(MathF.Abs(expected.Pixels[i] - actual.Pixels[i]) <= 0.5f / 255 + 1e-6f,
                $"value {i}: {expected.Pixels[i]} vs {actual.Pixels[i]}");
    }

    [Fact]
    public void UnlitTexturedMaterialKeepsTheBaseColourTexture()
    {
        var path = Path.Combine(_dir, "unlit.glb");
        GlbWriter.Write(path, BakedBall(metallicRoughness: false), new GlbOptions { Unlit = true });
        var material = ModelRoot.Load(path).LogicalMaterials[0];
        Assert.True(material.Unlit);
        Assert.NotNull(material.FindChannel("BaseColor")!.Value.Texture);
    }

    [Fact]
    public void ObjMtlAndPngReferToEachOther()
    {
        var mesh = BakedBall(metallicRoughness: false);
        var path = Path.Combine(_dir, "model.obj");
        ObjWriter.Write(path, mesh);
        Assert.Equal(["model.mtl", "model.obj", "model_albedo.png"],
            Directory.GetFiles(_dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var lines = File.ReadAllLines(path);
        Assert.Equal("mtllib model.mtl", lines.Single(l => l.StartsWith("mtllib ")));
        var material = lines.Single(l => l.StartsWith("usemtl ")).Split(' ')[1];
        var mtl = File.ReadAllLines(Path.Combine(_dir, "model.mtl"));
        Assert.Contains($"newmtl {material}", mtl);
        var texture = mtl.Single(l => l.StartsWith("map_Kd ")).Split(' ', 2)[1];
        var png = ImageIO.LoadImage(Path.Combine(_dir, texture));
        AssertSameImage(mesh.BaseColor!, png);

        var v = lines.Where(l => l.StartsWith("v ")).Select(Numbers).ToList();
        var vt = lines.Where(l => l.StartsWith("vt ")).Select(Numbers).ToList();
        var faces = lines.Where(l => l.StartsWith("f ")).ToList();
        Assert.Equal(mesh.VertexCount, v.Count);
        Assert.Equal(mesh.VertexCount, vt.Count);
        Assert.Equal(mesh.TriangleCount, faces.Count);
        for (int i = 0; i < mesh.VertexCount; i++)
        {
            var p = mesh.Position(i);
            Assert.Equal(new[] { p.X, p.Z, -p.Y }, v[i]);
            // OBJ counts v upwards from the texture's bottom row, glTF downwards from its top row
            Assert.Equal(new[] { mesh.Uv(i).X, 1 - mesh.Uv(i).Y }, vt[i]);
        }
        for (int f = 0; f < mesh.TriangleCount; f++)
        {
            var corners = faces[f].Split(' ').Skip(1).Select(c => c.Split('/').Select(int.Parse).ToArray()).ToArray();
            var (a, b, c) = mesh.Triangle(f);
            Assert.Equal(new[] { a + 1, b + 1, c + 1 }, corners.Select(x => x[0]));
            Assert.All(corners, x => Assert.Equal([x[0], x[0]], x[1..]));
        }
    }

    [Fact]
    public void UnbakedMeshIsRefused()
    {
        var atlas = UvUnwrap.Unwrap(AtlasShapes.Cube(1, 0.5f), new UvUnwrapOptions { Resolution = 64 });
        Assert.Throws<ArgumentException>(() => GlbWriter.Write(Path.Combine(_dir, "a.glb"), atlas));
        Assert.Throws<ArgumentException>(() => ObjWriter.Write(Path.Combine(_dir, "a.obj"), atlas));
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void ReadingAGlbWithoutTextureOrATruncatedOneIsAUserError()
    {
        var path = Path.Combine(_dir, "plain.glb");
        GlbWriter.Write(path, new Mesh([0, 0, 0, 1, 0, 0, 0, 1, 0], [0, 1, 2]));
        Assert.Contains("TEXCOORD_0", Assert.Throws<UserError>(() => GlbReader.ReadTextured(path)).Message);
        Assert.Throws<UserError>(() => GlbReader.ReadTextured(Path.Combine(_dir, "missing.glb")));
        var textured = Path.Combine(_dir, "textured.glb");
        GlbWriter.Write(textured, BakedBall(metallicRoughness: false));
        var bytes = File.ReadAllBytes(textured);
        foreach (int length in new[] { 0, 12, bytes.Length / 2, bytes.Length - 4 })
        {
            File.WriteAllBytes(textured, bytes[..length]);
            Assert.StartsWith(textured + ":", Assert.Throws<UserError>(() => GlbReader.ReadTextured(textured)).Message);
        }
    }

    private static float[] Numbers(string line) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}
