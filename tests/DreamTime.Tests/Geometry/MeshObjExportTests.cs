using System.Globalization;
using System.Numerics;
using DreamTime.Geometry;
using Xunit;

namespace DreamTime.Tests.Geometry;

public sealed class MeshObjExportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dreamtime-obj-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ObjParsesBackToTheSameMesh()
    {
        var mesh = GltfExportTests.ColouredBall();
        var path = Path.Combine(_dir, "ball.obj");
        ObjWriter.Write(path, mesh);

        var lines = File.ReadAllLines(path);
        var v = lines.Where(l => l.StartsWith("v ")).Select(Numbers).ToList();
        var vn = lines.Where(l => l.StartsWith("vn ")).Select(Numbers).ToList();
        var f = lines.Where(l => l.StartsWith("f ")).ToList();
        Assert.Equal(mesh.VertexCount, v.Count);
        Assert.Equal(mesh.VertexCount, vn.Count);
        Assert.Equal(mesh.TriangleCount, f.Count);

        int probe = mesh.VertexCount / 3;
        var p = mesh.Position(probe);
        var c = mesh.Color(probe);
        Assert.Equal(new[] { p.X, p.Z, -p.Y, c.X, c.Y, c.Z }, v[probe]); // y-up like the GLB, colours exact
        var n = mesh.Normal(probe);
        Assert.True(Vector3.Distance(new Vector3(n.X, n.Z, -n.Y), new Vector3(vn[probe][0], vn[probe][1], vn[probe][2])) < 1e-6f);

        for (int t = 0; t < mesh.TriangleCount; t++)
        {
            var corners = f[t].Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(s => s.Split("//")).ToArray();
            var (a, b, cc) = mesh.Triangle(t);
            Assert.Equal(new[] { a + 1, b + 1, cc + 1 }, corners.Select(x => int.Parse(x[0])).ToArray());
            Assert.All(corners, x => Assert.Equal(x[0], x[1]));
        }
        Assert.Single(Directory.GetFiles(_dir)); // atomic write: no temp file left over
    }

    [Fact]
    public void EmptyMeshIsRefused() =>
        Assert.Throws<ArgumentException>(() => ObjWriter.Write(Path.Combine(_dir, "e.obj"), Mesh.Empty));

    private static float[] Numbers(string line) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}
