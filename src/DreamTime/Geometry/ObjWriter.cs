using System.Globalization;
using System.Numerics;
using System.Text;
using DreamTime.Imaging;
using DreamTime.Runtime;

namespace DreamTime.Geometry;

/// <summary>
/// Writes a mesh as Wavefront OBJ: "v x y z r g b" (the common vertex-colour extension that Blender and MeshLab
/// read), "vn nx ny nz", and faces "f a//a b//b c//c" (1-based, position and normal share the index).
/// Axes: converted to y-up exactly as <see cref="GlbWriter"/> does, (x, y, z) -> (x, z, -y), because OBJ viewers
/// assume y-up and the two exports should open the same way round.
/// A <see cref="TexturedMesh"/> is written as OBJ + MTL + PNG: "vt u v" (v counted upwards, as OBJ does), faces
/// "f a/a/a ...", and a material whose map_Kd is the base colour texture, each file written atomically.
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

    /// <summary>
    /// Writes <paramref name="path"/> (.obj), the material library beside it (same name, .mtl) and the base colour
    /// texture (same name + "_albedo.png"); the texture and material first, so the OBJ never names a missing file.
    /// The metallic-roughness texture has no common MTL form and is not written.
    /// </summary>
    public static void Write(string path, TexturedMesh mesh)
    {
        if (mesh.TriangleCount == 0) throw new ArgumentException("cannot write an empty mesh as OBJ (no triangles)");
        var baseColor = mesh.BaseColor ?? throw new ArgumentException("the textured mesh has no base colour texture to write");
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var stem = Path.GetFileNameWithoutExtension(full);
        string mtlName = stem + ".mtl", textureName = stem + "_albedo.png";
        ImageIO.SavePng(Path.Combine(dir, textureName), baseColor);
        AtomicFile.WriteAllText(Path.Combine(dir, mtlName),
            "# DreamTime material\nnewmtl surface\nKa 0 0 0\nKd 1 1 1\nKs 0 0 0\nd 1\nillum 1\nmap_Kd " + textureName + "\n");

        var text = new StringBuilder(mesh.VertexCount * 110 + mesh.TriangleCount * 40);
        text.Append("# DreamTime textured mesh: ").Append(mesh.VertexCount).Append(" vertices, ")
            .Append(mesh.TriangleCount).Append(" triangles; y-up\n");
        text.Append("mtllib ").Append(mtlName).Append('\n');
        for (int v = 0; v < mesh.VertexCount; v++)
        {
            var p = GlbWriter.ToGltfAxes(mesh.Position(v));
            text.Append("v ").Append(F(p.X)).Append(' ').Append(F(p.Y)).Append(' ').Append(F(p.Z)).Append('\n');
        }
        for (int v = 0; v < mesh.VertexCount; v++)
        {
            var uv = mesh.Uv(v);
            text.Append("vt ").Append(F(uv.X)).Append(' ').Append(F(1 - uv.Y)).Append('\n');
        }
        for (int v = 0; v < mesh.VertexCount; v++)
        {
            var n = GlbWriter.ToGltfAxes(mesh.Normal(v));
            text.Append("vn ").Append(F(n.X)).Append(' ').Append(F(n.Y)).Append(' ').Append(F(n.Z)).Append('\n');
        }
        text.Append("usemtl surface\n");
        // position, texture coordinate and normal share the (1-based) index
        void Corner(int v) => text.Append(' ').Append(v + 1).Append('/').Append(v + 1).Append('/').Append(v + 1);
        for (int f = 0; f < mesh.TriangleCount; f++)
        {
            var (a, b, c) = mesh.Triangle(f);
            text.Append('f');
            Corner(a);
            Corner(b);
            Corner(c);
            text.Append('\n');
        }
        AtomicFile.WriteAllText(full, text.ToString());
    }

    // Shortest text that reads back to the same float.
    private static string F(float x) => x.ToString("R", CultureInfo.InvariantCulture);
}
