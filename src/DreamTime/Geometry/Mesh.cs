using System.Numerics;

namespace DreamTime.Geometry;

/// <summary>
/// An indexed triangle mesh in world coordinates (z-up). Flat arrays keep it cheap to fill from marching cubes
/// and to hand to exporters: Positions [V*3], Colors [V*3] in [0,1], Indices [F*3], Normals [V*3] or null.
/// Triangles wind counter-clockwise seen from outside. Operations return new meshes and never modify their
/// input (a result may share arrays it did not change with the input, so treat the arrays as read-only).
/// </summary>
public sealed class Mesh
{
    /// <summary>Colour given to vertices when none is supplied: a light grey that reads well under viewer lighting.</summary>
    public const float DefaultGrey = 0.8f;

    public float[] Positions { get; }
    public float[] Colors { get; }
    public int[] Indices { get; }
    public float[]? Normals { get; }

    public int VertexCount => Positions.Length / 3;
    public int TriangleCount => Indices.Length / 3;
    public bool IsEmpty => Indices.Length == 0;

    public static Mesh Empty { get; } = new([], []);

    /// <param name="colors">[V*3] in [0,1]; null gives every vertex <see cref="DefaultGrey"/>.</param>
    public Mesh(float[] positions, int[] indices, float[]? colors = null, float[]? normals = null)
    {
        if (positions.Length % 3 != 0) throw new ArgumentException($"positions length {positions.Length} is not a multiple of 3");
        if (indices.Length % 3 != 0) throw new ArgumentException($"indices length {indices.Length} is not a multiple of 3");
        int v = positions.Length / 3;
        if (colors != null && colors.Length != positions.Length)
            throw new ArgumentException($"colors length {colors.Length} != positions length {positions.Length}");
        if (normals != null && normals.Length != positions.Length)
            throw new ArgumentException($"normals length {normals.Length} != positions length {positions.Length}");
        foreach (var i in indices)
            if ((uint)i >= (uint)v) throw new ArgumentException($"index {i} out of range for {v} vertices");
        Positions = positions;
        Indices = indices;
        Colors = colors ?? Enumerable.Repeat(DefaultGrey, positions.Length).ToArray();
        Normals = normals;
    }

    public Vector3 Position(int v) => new(Positions[3 * v], Positions[3 * v + 1], Positions[3 * v + 2]);
    public Vector3 Color(int v) => new(Colors[3 * v], Colors[3 * v + 1], Colors[3 * v + 2]);
    public Vector3 Normal(int v) => Normals == null ? Vector3.Zero : new(Normals[3 * v], Normals[3 * v + 1], Normals[3 * v + 2]);

    public (int A, int B, int C) Triangle(int f) => (Indices[3 * f], Indices[3 * f + 1], Indices[3 * f + 2]);

    /// <summary>Axis-aligned bounds of the vertices; (0,0) for a mesh without vertices.</summary>
    public (Vector3 Min, Vector3 Max) BoundingBox()
    {
        if (VertexCount == 0) return (Vector3.Zero, Vector3.Zero);
        var min = new Vector3(float.PositiveInfinity);
        var max = new Vector3(float.NegativeInfinity);
        for (int v = 0; v < VertexCount; v++)
        {
            var p = Position(v);
            min = Vector3.Min(min, p);
            max = Vector3.Max(max, p);
        }
        return (min, max);
    }

    public double SurfaceArea()
    {
        double area = 0;
        for (int f = 0; f < TriangleCount; f++) area += TriangleArea(f);
        return area;
    }

    /// <summary>
    /// Volume enclosed by a closed mesh (sum of signed tetrahedra to the origin); positive when triangles wind
    /// counter-clockwise seen from outside. Meaningless for an open mesh.
    /// </summary>
    public double SignedVolume()
    {
        double vol = 0;
        for (int f = 0; f < TriangleCount; f++)
        {
            var (a, b, c) = Triangle(f);
            // Doubles: at 10^5..10^6 triangles float accumulation loses the few-percent accuracy callers check for.
            var pa = ToDouble(Position(a)); var pb = ToDouble(Position(b)); var pc = ToDouble(Position(c));
            vol += Vector3D.Dot(pa, Vector3D.Cross(pb, pc)) / 6.0;
        }
        return vol;
    }

    public double TriangleArea(int f)
    {
        var (a, b, c) = Triangle(f);
        var pa = ToDouble(Position(a));
        return 0.5 * Vector3D.Cross(ToDouble(Position(b)) - pa, ToDouble(Position(c)) - pa).Length;
    }

    /// <summary>Unnormalised face normal (length = twice the area), pointing out for counter-clockwise winding.</summary>
    public Vector3 FaceNormal(int f)
    {
        var (a, b, c) = Triangle(f);
        var pa = Position(a);
        return Vector3.Cross(Position(b) - pa, Position(c) - pa);
    }

    /// <summary>Area-weighted vertex normals from the faces (unit length; zero for vertices no triangle uses).</summary>
    public float[] ComputeVertexNormals()
    {
        var n = new Vector3[VertexCount];
        for (int f = 0; f < TriangleCount; f++)
        {
            var fn = FaceNormal(f);
            var (a, b, c) = Triangle(f);
            n[a] += fn; n[b] += fn; n[c] += fn;
        }
        var result = new float[VertexCount * 3];
        for (int v = 0; v < n.Length; v++)
        {
            float len = n[v].Length();
            if (len > 0) n[v] /= len;
            result[3 * v] = n[v].X; result[3 * v + 1] = n[v].Y; result[3 * v + 2] = n[v].Z;
        }
        return result;
    }

    /// <summary>
    /// Normals fit for export: the stored ones where they have length, face-based ones elsewhere (or everywhere
    /// when none are stored). Exporters need unit normals on every vertex.
    /// </summary>
    public float[] UnitNormalsForExport()
    {
        var fromFaces = ComputeVertexNormals();
        if (Normals == null) return FillZeroNormals(fromFaces);
        var result = new float[Normals.Length];
        for (int v = 0; v < VertexCount; v++)
        {
            var n = Normal(v);
            float len = n.Length();
            if (!(len > 1e-12f) || !float.IsFinite(len))
                n = new Vector3(fromFaces[3 * v], fromFaces[3 * v + 1], fromFaces[3 * v + 2]);
            else n /= len;
            result[3 * v] = n.X; result[3 * v + 1] = n.Y; result[3 * v + 2] = n.Z;
        }
        return FillZeroNormals(result);
    }

    // Vertices that no triangle uses (or that only touch zero-area ones) still need a unit vector in glTF.
    private static float[] FillZeroNormals(float[] normals)
    {
        for (int i = 0; i < normals.Length; i += 3)
            if (normals[i] == 0 && normals[i + 1] == 0 && normals[i + 2] == 0) normals[i + 2] = 1;
        return normals;
    }

    /// <summary>Drops triangles that repeat a vertex or whose area is at most <paramref name="minArea"/>; keeps all vertices.</summary>
    public Mesh RemoveDegenerateTriangles(double minArea = 0)
    {
        var kept = new List<int>(Indices.Length);
        for (int f = 0; f < TriangleCount; f++)
        {
            var (a, b, c) = Triangle(f);
            if (a == b || b == c || a == c) continue;
            if (!(TriangleArea(f) > minArea)) continue;
            kept.Add(a); kept.Add(b); kept.Add(c);
        }
        return new Mesh((float[])Positions.Clone(), kept.ToArray(), (float[])Colors.Clone(), (float[]?)Normals?.Clone());
    }

    /// <summary>
    /// Welds vertices whose positions round to the same point of a lattice with spacing <paramref name="tolerance"/>
    /// (exact and near-exact duplicates always weld; two points closer than the tolerance but on either side of a
    /// rounding boundary stay apart).
    /// The welded vertex keeps the first vertex's position and the average colour and normal. Triangles that
    /// collapse onto a repeated vertex are dropped; unreferenced vertices are kept.
    /// </summary>
    public Mesh MergeDuplicateVertices(float tolerance = 1e-6f)
    {
        if (!(tolerance > 0)) throw new ArgumentException($"tolerance must be > 0, got {tolerance}");
        var cellOf = new Dictionary<(long, long, long), int>();
        var remap = new int[VertexCount];
        var first = new List<int>();
        for (int v = 0; v < VertexCount; v++)
        {
            var p = Position(v);
            var key = ((long)Math.Round(p.X / (double)tolerance), (long)Math.Round(p.Y / (double)tolerance),
                (long)Math.Round(p.Z / (double)tolerance));
            if (!cellOf.TryGetValue(key, out int target))
            {
                target = first.Count;
                cellOf[key] = target;
                first.Add(v);
            }
            remap[v] = target;
        }

        int n = first.Count;
        var positions = new float[n * 3];
        var colorSum = new double[n * 3];
        var normalSum = Normals == null ? null : new double[n * 3];
        var members = new int[n];
        for (int t = 0; t < n; t++)
            for (int k = 0; k < 3; k++) positions[3 * t + k] = Positions[3 * first[t] + k];
        for (int v = 0; v < VertexCount; v++)
        {
            int t = remap[v];
            members[t]++;
            for (int k = 0; k < 3; k++)
            {
                colorSum[3 * t + k] += Colors[3 * v + k];
                if (normalSum != null) normalSum[3 * t + k] += Normals![3 * v + k];
            }
        }
        var colors = new float[n * 3];
        float[]? normals = normalSum == null ? null : new float[n * 3];
        for (int t = 0; t < n; t++)
        {
            for (int k = 0; k < 3; k++) colors[3 * t + k] = (float)(colorSum[3 * t + k] / members[t]);
            if (normals != null)
            {
                var s = new Vector3((float)normalSum![3 * t], (float)normalSum[3 * t + 1], (float)normalSum[3 * t + 2]);
                float len = s.Length();
                if (len > 0) s /= len;
                normals[3 * t] = s.X; normals[3 * t + 1] = s.Y; normals[3 * t + 2] = s.Z;
            }
        }

        var indices = new List<int>(Indices.Length);
        for (int f = 0; f < TriangleCount; f++)
        {
            var (a, b, c) = Triangle(f);
            int ra = remap[a], rb = remap[b], rc = remap[c];
            if (ra == rb || rb == rc || ra == rc) continue;
            indices.Add(ra); indices.Add(rb); indices.Add(rc);
        }
        return new Mesh(positions, indices.ToArray(), colors, normals);
    }

    /// <summary>
    /// Keeps only the connected component (triangles linked through shared vertices) with the most triangles,
    /// and only the vertices it uses. Ties go to the component met first.
    /// </summary>
    public Mesh KeepLargestComponent()
    {
        if (IsEmpty) return this.Compact();
        var parent = new int[VertexCount];
        for (int v = 0; v < parent.Length; v++) parent[v] = v;
        int Find(int x)
        {
            while (parent[x] != x) { parent[x] = parent[parent[x]]; x = parent[x]; }
            return x;
        }
        void Union(int x, int y)
        {
            x = Find(x); y = Find(y);
            if (x != y) parent[Math.Max(x, y)] = Math.Min(x, y);
        }
        for (int f = 0; f < TriangleCount; f++)
        {
            var (a, b, c) = Triangle(f);
            Union(a, b); Union(b, c);
        }
        var triangleCount = new Dictionary<int, int>();
        int best = -1, bestCount = 0;
        for (int f = 0; f < TriangleCount; f++)
        {
            int root = Find(Indices[3 * f]);
            int count = triangleCount[root] = triangleCount.GetValueOrDefault(root) + 1;
            if (count > bestCount || (count == bestCount && root < best)) { best = root; bestCount = count; }
        }
        var kept = new List<int>(bestCount * 3);
        for (int f = 0; f < TriangleCount; f++)
            if (Find(Indices[3 * f]) == best)
            {
                kept.Add(Indices[3 * f]); kept.Add(Indices[3 * f + 1]); kept.Add(Indices[3 * f + 2]);
            }
        return new Mesh(Positions, kept.ToArray(), Colors, Normals).Compact();
    }

    /// <summary>Number of connected components (through shared vertices) among the triangles.</summary>
    public int CountComponents()
    {
        var parent = new int[VertexCount];
        for (int v = 0; v < parent.Length; v++) parent[v] = v;
        int Find(int x)
        {
            while (parent[x] != x) { parent[x] = parent[parent[x]]; x = parent[x]; }
            return x;
        }
        for (int f = 0; f < TriangleCount; f++)
        {
            var (a, b, c) = Triangle(f);
            parent[Find(a)] = Find(b);
            parent[Find(b)] = Find(c);
        }
        var roots = new HashSet<int>();
        for (int f = 0; f < TriangleCount; f++) roots.Add(Find(Indices[3 * f]));
        return roots.Count;
    }

    /// <summary>Drops vertices that no triangle uses, keeping the order of the rest.</summary>
    public Mesh Compact()
    {
        var newIndex = new int[VertexCount];
        Array.Fill(newIndex, -1);
        foreach (var i in Indices) newIndex[i] = 0;
        int n = 0;
        for (int v = 0; v < newIndex.Length; v++)
            if (newIndex[v] == 0) newIndex[v] = n++;
        var positions = new float[n * 3];
        var colors = new float[n * 3];
        var normals = Normals == null ? null : new float[n * 3];
        for (int v = 0; v < newIndex.Length; v++)
        {
            int t = newIndex[v];
            if (t < 0) continue;
            for (int k = 0; k < 3; k++)
            {
                positions[3 * t + k] = Positions[3 * v + k];
                colors[3 * t + k] = Colors[3 * v + k];
                if (normals != null) normals[3 * t + k] = Normals![3 * v + k];
            }
        }
        var indices = new int[Indices.Length];
        for (int i = 0; i < indices.Length; i++) indices[i] = newIndex[Indices[i]];
        return new Mesh(positions, indices, colors, normals);
    }

    /// <summary>The same mesh with new vertex colours [V*3], clamped to [0,1] (non-finite values become 0).</summary>
    public Mesh WithColors(float[] colors)
    {
        if (colors.Length != Positions.Length)
            throw new ArgumentException($"colors length {colors.Length} != positions length {Positions.Length}");
        var clamped = new float[colors.Length];
        for (int i = 0; i < colors.Length; i++) clamped[i] = float.IsFinite(colors[i]) ? Math.Clamp(colors[i], 0f, 1f) : 0f;
        return new Mesh(Positions, Indices, clamped, Normals);
    }

    private static Vector3D ToDouble(Vector3 v) => new(v.X, v.Y, v.Z);

    private readonly record struct Vector3D(double X, double Y, double Z)
    {
        public static Vector3D operator -(Vector3D a, Vector3D b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);
        public static double Dot(Vector3D a, Vector3D b) => a.X * b.X + a.Y * b.Y + a.Z * b.Z;
        public static Vector3D Cross(Vector3D a, Vector3D b) => new(a.Y * b.Z - a.Z * b.Y, a.Z * b.X - a.X * b.Z, a.X * b.Y - a.Y * b.X);
        public double Length => Math.Sqrt(X * X + Y * Y + Z * Z);
    }
}
