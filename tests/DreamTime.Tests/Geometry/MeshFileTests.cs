using System.Numerics;
using DreamTime.Geometry;
using DreamTime.Runtime;
using SharpGLTF.Schema2;
using Xunit;
using Mesh = DreamTime.Geometry.Mesh;

namespace DreamTime.Tests.Geometry;

public sealed class MeshFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dreamtime-meshfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static void AssertSamePositions(Mesh expected, Mesh actual, float tolerance)
    {
        Assert.Equal(expected.VertexCount, actual.VertexCount);
        for (int i = 0; i < expected.Positions.Length; i++)
            Assert.True(Math.Abs(expected.Positions[i] - actual.Positions[i]) <= tolerance,
                $"coordinate {i}: {actual.Positions[i]}, expected {expected.Positions[i]}");
    }

    [Fact]
    public void GlbWrittenByGlbWriterReadsBackTheSameMesh()
    {
        var mesh = GltfExportTests.ColouredBall();
        var path = Path.Combine(_dir, "ball.glb");
        GlbWriter.Write(path, mesh);
        var read = MeshFile.Read(path);
        // the axis change there and back is a permutation with a sign: exact in floats
        AssertSamePositions(mesh, read, 0f);
        Assert.Equal(mesh.Indices, read.Indices);
        for (int i = 0; i < mesh.Colors.Length; i++) Assert.Equal(mesh.Colors[i], read.Colors[i], 6);
        Assert.True(read.SignedVolume() > 0);
    }

    [Fact]
    public void GlbNodeTransformsPlaceThePrimitivesAndMirroringKeepsTheWinding()
    {
        var ball = GltfExportTests.ColouredBall();
        var model = GlbWriter.BuildModel(ball, new GlbOptions());
        var original = model.DefaultScene.VisualChildren.Single();
        var parent = model.DefaultScene.CreateNode("parent");
        parent.LocalMatrix = Matrix4x4.CreateTranslation(0, 0, -1);
        var node = parent.CreateNode("child");
        node.Mesh = original.Mesh;
        original.Mesh = null;
        // in glTF's y-up frame: mirror x, scale by 2, then move up (glTF +y) by 3, under a parent that moves along -z
        node.LocalMatrix = Matrix4x4.CreateScale(-2, 2, 2) * Matrix4x4.CreateTranslation(0, 3, 0);
        var path = Path.Combine(_dir, "moved.glb");
        model.SaveGLB(path);

        var read = MeshFile.Read(path);
        Assert.Equal(ball.VertexCount, read.VertexCount);
        for (int v = 0; v < ball.VertexCount; v++)
        {
            // z-up: glTF's -z is our +y, glTF's +y is our +z
            var p = ball.Position(v);
            var expected = new Vector3(-2 * p.X, 2 * p.Y + 1, 2 * p.Z + 3);
            Assert.True(Vector3.Distance(expected, read.Position(v)) < 1e-5f, $"vertex {v}: {read.Position(v)}, expected {expected}");
        }
        Assert.Equal(8 * ball.SignedVolume(), read.SignedVolume(), 1e-4 * ball.SignedVolume());
    }

    [Fact]
    public void ObjWrittenByObjWriterReadsBackTheSameMesh()
    {
        var mesh = GltfExportTests.ColouredBall();
        var path = Path.Combine(_dir, "ball.obj");
        ObjWriter.Write(path, mesh);
        var read = MeshFile.Read(path);
        AssertSamePositions(mesh, read, 1e-6f);
        Assert.Equal(mesh.Indices, read.Indices);
        for (int i = 0; i < mesh.Colors.Length; i++) Assert.Equal(mesh.Colors[i], read.Colors[i], 5);
    }

    [Fact]
    public void ObjPolygonsNegativeIndicesAndOtherLinesAreRead()
    {
        // a unit cube in y-up OBJ: quads, a mix of index forms, texture and normal lines, comments, groups
        var path = Write("cube.obj", """
            # a cube
            mtllib cube.mtl
            o cube
            v 0 0 0
            v 1 0 0
            v 1 1 0
            v 0 1 0
            v 0 0 1
            v 1 0 1
            v 1 1 1
            v 0 1 1
            vt 0 0
            vn 0 0 1
            g sides
            usemtl grey
            s off
            f 1/1/1 4/1/1 3/1/1 2/1/1
            f 5//1 6//1 7//1 8//1
            f -8 -7 -3 -4
            f 2 3 7 6
            f 3/1 4/1 8/1 7/1
            f 4 1 5 8
            l 1 2
            """);
        var mesh = MeshFile.Read(path);
        Assert.Equal(8, mesh.VertexCount);
        Assert.Equal(12, mesh.TriangleCount);
        Assert.Null(TestShapes.ClosedAndOriented(mesh));
        Assert.Equal(1.0, mesh.SignedVolume(), 6);
        // y-up (0, 1, 0) is z-up (0, 0, 1); y-up (0, 0, 1) is z-up (0, -1, 0)
        Assert.Equal(new Vector3(0, 0, 1), mesh.Position(3));
        Assert.Equal(new Vector3(0, -1, 0), mesh.Position(4));
        Assert.All(mesh.Colors, c => Assert.Equal(Mesh.DefaultGrey, c));
    }

    [Theory]
    [InlineData("empty.obj", "", "no triangles")]
    [InlineData("points.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\n", "no triangles")]
    [InlineData("range.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 4\n", "line 4: vertex index 4 is out of range")]
    [InlineData("negative.obj", "v 0 0 0\nv 1 0 0\nf -1 -2 -3\nv 0 1 0\n", "line 3: vertex index -3 is out of range")]
    [InlineData("zero.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n", "line 4: '0' is not a vertex index")]
    [InlineData("nan.obj", "v 0 0 nan\nv 1 0 0\nv 0 1 0\nf 1 2 3\n", "vertex 0 has a non-finite coordinate")]
    [InlineData("word.obj", "v 0 zero 0\n", "line 1: 'zero' is not a number")]
    [InlineData("short.obj", "v 0 0 0\nf 1 1\n", "line 2: a face needs at least 3 vertices")]
    [InlineData("mesh.stl", "solid x\n", "unknown mesh format '.stl'")]
    public void BadObjFilesAreUserErrorsNamingTheFile(string name, string text, string reason)
    {
        var path = Write(name, text);
        var e = Assert.Throws<UserError>(() => MeshFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(reason, e.Message);
    }

    [Theory]
    [InlineData("noise.glb")]
    [InlineData("noise.obj")]
    [InlineData("empty.glb")]
    public void RandomBytesAreUserErrors(string name)
    {
        var bytes = new byte[name.StartsWith("empty") ? 0 : 4096];
        new Random(5).NextBytes(bytes);
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<UserError>(() => MeshFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AMissingFileAndAGlbWithoutTrianglesAreUserErrors()
    {
        Assert.Contains("no such file", Assert.Throws<UserError>(() => MeshFile.Read(Path.Combine(_dir, "absent.obj"))).Message);
        var model = ModelRoot.CreateModel();
        model.UseScene("empty").CreateNode("nothing");
        var path = Path.Combine(_dir, "empty-scene.glb");
        model.SaveGLB(path);
        Assert.Contains("no triangles", Assert.Throws<UserError>(() => MeshFile.Read(path)).Message);
    }
}
