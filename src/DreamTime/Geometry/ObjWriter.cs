using System.Globalization;
using System.Numerics;
using System.Text;
using DreamTime.Runtime;

namespace DreamTime.Geometry;

/// <summary>
/// Writes a mesh as Wavefront OBJ: "v x y z r g b" (the common vertex-colour extension that Blender and MeshLab
/// read), "vn nx ny nz", and faces "f a//a b//b c//c" (1-based, position and normal share the index).
/// Axes: converted to y-up exactly as <see cref="GlbWriter"/> does, (x, y, z) -> (x, z, -y), because OBJ viewers
/// assume y-up and the two exports should open the same way round.
/// </summary>
public static class ObjWriter
{
    public static void Write(string path, Mesh mesh)
    {
        if (mesh.IsEmpty) throw new ArgumentException("cannot write an empty mesh as OBJ (no triangles)");
        var text = new StringBuilder(mesh.VertexCount * 80 + mesh.TriangleCount * 30);
        text.Append("# DreamTime mesh: ").Append(mesh.VertexCount).Append(" vertices, ")
            .Append(mesh.TriangleCount).Append(" triangles; y-up\n");
        var normals = mesh.UnitNormalsForExport();
        for (int v = 0; v < mesh.VertexCount; v++)
        {
            var p = GlbWriter.ToGltfAxes(mesh.Position(v));
            var c = Vector3.Clamp(mesh.Color(v), Vector3.Zero, Vector3.One);
            text.Append("v ").Append(F(p.X)).Append(' ').Append(F(p.Y)).Append(' ').Append(F(p.Z)).Append(' ')
                .Append(F(c.X)).Append(' ').Append(F(c.Y)).Append(' ').Append(F(c.Z)).Append('\n');
        }
        for (int v = 0; v < mesh.VertexCount; v++)
        {
            var n = GlbWriter.ToGltfAxes(new Vector3(normals[3 * v], normals[3 * v + 1], normals[3 * v + 2]));
            text.Append("vn ").Append(F(n.X)).Append(' ').Append(F(n.Y)).Append(' ').Append(F(n.Z)).Append('\n');
        }
        for (int f = 0; f < mesh.TriangleCount; f++)
        {
            var (a, b, c) = mesh.Triangle(f);
            text.Append("f ").Append(a + 1).Append("//").Append(a + 1).Append(' ')
                .Append(b + 1).Append("//").Append(b + 1).Append(' ')
                .Append(c + 1).Append("//").Append(c + 1).Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    // Shortest text that reads back to the same float.
    private static string F(float x) => x.ToString("R", CultureInfo.InvariantCulture);
}
