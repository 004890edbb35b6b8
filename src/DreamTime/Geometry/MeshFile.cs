using System.Globalization;
using System.Numerics;
using DreamTime.Runtime;
using SharpGLTF.Schema2;

namespace DreamTime.Geometry;

/// <summary>
/// Reads a user's triangle mesh from Wavefront OBJ (.obj) or glTF 2.0 (.glb, or .gltf with its buffers beside it)
/// into the project's z-up world. Both formats are y-up by convention (and <see cref="ObjWriter"/> and
/// <see cref="GlbWriter"/> write them so), so positions are turned back by (x, y, z) -&gt; (x, -z, y), the inverse
/// of <see cref="GlbWriter.ToGltfAxes"/>; a proper rotation, so windings keep their sense.
/// OBJ: "v x y z" lines (with "r g b" after them, colours, when every vertex has them) and "f" lines, whose
/// polygons are fan-triangulated and whose indices may be negative (counted back from the latest vertex) or carry
/// "/vt/vn" parts; every other line is ignored. glTF: every triangle primitive (lists, strips, fans) of every
/// node of the default scene (or of the first scene, or of all nodes when there is none), placed by the node's
/// world transform (a mirroring transform has its triangles rewound), with COLOR_0 where a primitive has it;
/// skins and morph targets are ignored.
/// The mesh is taken as it is: holes, duplicate vertices and non-manifold edges are left for
/// <see cref="MeshSdf"/>'s winding-number sign to cope with. Anything unreadable, a file without triangles, an
/// index out of range or a non-finite position is a <see cref="UserError"/> naming the file.
/// </summary>
public static class MeshFile
{
    public static Mesh Read(string path)
    {
        if (!File.Exists(path)) throw Error(path, "no such file");
        var extension = Path.GetExtension(path).ToLowerInvariant();
        var (positions, indices, colors) = extension switch
        {
            ".obj" => ReadObj(path),
            ".glb" or ".gltf" => ReadGltf(path),
            _ => throw Error(path, $"unknown mesh format '{extension}': expected .obj, .glb or .gltf"),
        };
        if (indices.Count == 0) throw Error(path, "the file holds no triangles");
        for (int i = 0; i < positions.Count; i++)
            if (!float.IsFinite(positions[i])) throw Error(path, $"vertex {i / 3} has a non-finite coordinate ({positions[i]})");
        var zUp = new float[positions.Count];
        for (int v = 0; v < positions.Count / 3; v++)
        {
            // y-up (x, y, z) -> z-up (x, -z, y)
            zUp[3 * v] = positions[3 * v];
            zUp[3 * v + 1] = -positions[3 * v + 2];
            zUp[3 * v + 2] = positions[3 * v + 1];
        }
        return new Mesh(zUp, indices.ToArray(), colors);
    }

    private static UserError Error(string path, string detail) => new($"mesh file {path}: {detail}");

    private static (List<float>, List<int>, float[]?) ReadObj(string path)
    {
        var positions = new List<float>();
        var colors = new List<float>();
        bool allColoured = true;
        var indices = new List<int>();
        var polygon = new List<int>();
        int lineNumber = 0;
        (int Index, int Line) highest = (-1, 0);
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Contains('\0')) throw Error(path, $"line {lineNumber} holds binary data: not an OBJ text file");
            var tokens = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0) continue;
            if (tokens[0] == "v")
            {
                if (tokens.Length < 4) throw Error(path, $"line {lineNumber}: a vertex needs x y z");
                for (int k = 1; k <= 3; k++) positions.Add(Number(path, lineNumber, tokens[k]));
                if (tokens.Length == 7) for (int k = 4; k <= 6; k++) colors.Add(Number(path, lineNumber, tokens[k]));
                else allColoured = false;
            }
            else if (tokens[0] == "f")
            {
                if (tokens.Length < 4) throw Error(path, $"line {lineNumber}: a face needs at least 3 vertices");
                polygon.Clear();
                int count = positions.Count / 3;
                for (int k = 1; k < tokens.Length; k++)
                {
                    var reference = tokens[k];
                    int slash = reference.IndexOf('/');
                    var number = slash < 0 ? reference : reference[..slash];
                    if (!int.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int raw) || raw == 0)
                        throw Error(path,
                            $"line {lineNumber}: {Quote(reference)} is not a vertex index (1-based, or negative from the end)");
                    int index = raw > 0 ? raw - 1 : count + raw;
                    if (index < 0)
                        throw Error(path, $"line {lineNumber}: vertex index {raw} is out of range ({count} vertices before it)");
                    if (index > highest.Index) highest = (index, lineNumber);
                    polygon.Add(index);
                }
                for (int k = 1; k + 1 < polygon.Count; k++)
                {
                    indices.Add(polygon[0]); indices.Add(polygon[k]); indices.Add(polygon[k + 1]);
                }
            }
        }
        // A positive index may name a vertex listed later in the file, so the range is checked at the end.
        if (highest.Index >= positions.Count / 3)
            throw Error(path, $"line {highest.Line}: vertex index {highest.Index + 1} is out of range ({positions.Count / 3} vertices)");
        float[]? rgb = allColoured && colors.Count == positions.Count && colors.Count > 0 ? colors.ToArray() : null;
        if (rgb != null) for (int i = 0; i < rgb.Length; i++) rgb[i] = float.IsFinite(rgb[i]) ? Math.Clamp(rgb[i], 0f, 1f) : 0f;
        return (positions, indices, rgb);
    }

    private static float Number(string path, int line, string token) =>
        float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) ? value
            : throw Error(path, $"line {line}: {Quote(token)} is not a number");

    private static (List<float>, List<int>, float[]?) ReadGltf(string path)
    {
        try
        {
            var model = ModelRoot.Load(path, new ReadSettings { Validation = SharpGLTF.Validation.ValidationMode.TryFix });
            var positions = new List<float>();
            var colors = new List<float>();
            var indices = new List<int>();
            bool anyColour = false;
            foreach (var node in MeshNodes(model))
            {
                var world = node.WorldMatrix;
                bool mirrored = world.GetDeterminant() < 0;
                foreach (var primitive in node.Mesh.Primitives)
                {
                    if (primitive.DrawPrimitiveType
                        is not (PrimitiveType.TRIANGLES or PrimitiveType.TRIANGLE_STRIP or PrimitiveType.TRIANGLE_FAN)) continue;
                    var accessor = primitive.GetVertexAccessor("POSITION");
                    if (accessor == null) continue;
                    var points = accessor.AsVector3Array();
                    var colour = Colours(primitive, points.Count);
                    anyColour |= colour != null;
                    int first = positions.Count / 3;
                    for (int v = 0; v < points.Count; v++)
                    {
                        var p = Vector3.Transform(points[v], world);
                        positions.Add(p.X); positions.Add(p.Y); positions.Add(p.Z);
                        var c = colour?[v] ?? new Vector3(Mesh.DefaultGrey);
                        colors.Add(c.X); colors.Add(c.Y); colors.Add(c.Z);
                    }
                    foreach (var (a, b, c) in primitive.GetTriangleIndices())
                    {
                        foreach (var i in new[] { a, b, c })
                            if ((uint)i >= (uint)points.Count)
                                throw Error(path, $"mesh '{node.Mesh.Name}': index {i} is out of range ({points.Count} vertices)");
                        indices.Add(first + a);
                        indices.Add(first + (mirrored ? c : b));
                        indices.Add(first + (mirrored ? b : c));
                    }
                }
            }
            return (positions, indices, anyColour ? colors.ToArray() : null);
        }
        catch (UserError) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // SharpGLTF reports a malformed file through many exception types; to the user each is one unreadable file.
            throw Error(path, $"not a readable glTF file ({e.GetType().Name}: {OneLine(e.Message)})");
        }
    }

    private static string Quote(string token) => $"'{(token.Length <= 40 ? token : token[..40] + "...")}'";

    /// <summary>The reader's message as one short line: it may quote the file's own bytes, line breaks included.</summary>
    private static string OneLine(string message)
    {
        var text = new string(message.Select(ch => char.IsControl(ch) ? ' ' : ch).ToArray()).Trim();
        return text.Length <= 200 ? text : text[..200] + "...";
    }

    private static IEnumerable<Node> MeshNodes(ModelRoot model)
    {
        var scene = model.DefaultScene ?? model.LogicalScenes.FirstOrDefault();
        if (scene == null) return model.LogicalNodes.Where(n => n.Mesh != null);
        var found = new List<Node>();
        var pending = new Stack<Node>(scene.VisualChildren);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            if (node.Mesh != null) found.Add(node);
            foreach (var child in node.VisualChildren) pending.Push(child);
        }
        return found;
    }

    private static IList<Vector3>? Colours(MeshPrimitive primitive, int count)
    {
        var accessor = primitive.GetVertexAccessor("COLOR_0");
        if (accessor == null || accessor.Count != count) return null;
        IList<Vector3> rgb = accessor.Dimensions switch
        {
            DimensionType.VEC3 => accessor.AsVector3Array(),
            DimensionType.VEC4 => accessor.AsVector4Array().Select(c => new Vector3(c.X, c.Y, c.Z)).ToList(),
            _ => [],
        };
        if (rgb.Count != count) return null;
        return rgb.Select(c => Vector3.Clamp(float.IsFinite(c.X + c.Y + c.Z) ? c : Vector3.Zero, Vector3.Zero, Vector3.One)).ToList();
    }
}
