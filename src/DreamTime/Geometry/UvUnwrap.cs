using System.Numerics;

namespace DreamTime.Geometry;

/// <summary>
/// Cuts a mesh into charts and lays them out in one square UV atlas.
/// <para>Charts grow breadth-first over triangles that share an edge (or, in a mesh whose vertices are not
/// shared, a pair of corner positions) while each triangle's normal stays within a cone around the chart's axis:
/// the first triangle's normal, then the grown chart's mean normal, grown again so the chart is centred on its
/// region rather than reaching one way from where earlier charts stopped. Each chart is projected orthographically
/// along its area-weighted mean normal: a texel then lies on the surface, and a near-planar chart keeps its lengths
/// (up to the atlas's global scale). A chart whose projection folds a triangle over or overlaps itself (a ramp
/// winding over itself can, within the cone) keeps the longest start of its growth that does not, and the rest is
/// grown again. Charts are turned to their principal axes and packed by <see cref="ChartPacker"/> at one texel
/// density for the whole surface.</para>
/// <para>Vertices on chart borders are duplicated (seams); triangle f of the result is triangle f of the input.
/// Triangles of negligible area join whichever chart reaches them: their normals are noise.</para>
/// </summary>
public static class UvUnwrap
{
    // Triangles below this fraction of the mean area are too small for their normal to mean anything.
    private const double NegligibleArea = 1e-4;
    // Overlap tolerance relative to a chart's extent: shared corners touch exactly, nearly touching ones within this.
    private const float TouchTolerance = 1e-5f;
    // Times a chart is grown again around its own mean normal.
    private const int Recentring = 2;

    public static TexturedMesh Unwrap(Mesh mesh, UvUnwrapOptions? options = null)
    {
        options ??= new UvUnwrapOptions();
        options.Validate();
        if (mesh.IsEmpty) throw new ArgumentException("cannot unwrap a mesh without triangles");
        var surface = new Surface(mesh);
        var charts = new List<Chart>();
        Segment(surface, Enumerable.Range(0, mesh.TriangleCount).ToArray(), options.MaxChartAngle, charts);
        var packing = ChartPacker.Pack(charts.Select(c => c.Size).ToList(), options.Resolution, options.Gutter);
        return Assemble(mesh, charts, packing, options.Resolution);
    }

    /// <summary>The mesh's faces with what chart growing needs: unit normals, which are negligible, and edge neighbours.</summary>
    private sealed class Surface
    {
        public readonly Mesh Mesh;
        public readonly Vector3[] AreaNormal, UnitNormal;
        public readonly bool[] Negligible;
        public readonly int[] NeighbourStart, Neighbours;
        // Scratch marks, one per face and per vertex, compared against a token that changes per use.
        public readonly int[] FaceMark, ChartOf, VertexMark, VertexSlot;
        public int Token;

        public Surface(Mesh mesh)
        {
            Mesh = mesh;
            int f = mesh.TriangleCount;
            AreaNormal = new Vector3[f];
            UnitNormal = new Vector3[f];
            Negligible = new bool[f];
            double total = 0;
            for (int i = 0; i < f; i++)
            {
                AreaNormal[i] = mesh.FaceNormal(i);
                total += AreaNormal[i].Length();
            }
            double threshold = NegligibleArea * total / f;
            for (int i = 0; i < f; i++)
            {
                float len = AreaNormal[i].Length();
                Negligible[i] = !(len > threshold);
                UnitNormal[i] = Negligible[i] ? Vector3.Zero : AreaNormal[i] / len;
            }
            (NeighbourStart, Neighbours) = EdgeNeighbours(mesh);
            FaceMark = new int[f];
            ChartOf = new int[f];
            VertexMark = new int[mesh.VertexCount];
            VertexSlot = new int[mesh.VertexCount];
        }
    }

    /// <summary>A chart: its faces, its distinct vertices and their 2D coordinates (world units, from 0 to Size).</summary>
    private sealed record Chart(int[] Faces, int[] Vertices, Vector2[] Coords, Vector2 Size);

    /// <summary>Faces that share an edge, as lists per face (compressed rows). Edges are matched by corner positions.</summary>
    private static (int[] Start, int[] List) EdgeNeighbours(Mesh mesh)
    {
        var weld = new Dictionary<(float, float, float), int>();
        var id = new int[mesh.VertexCount];
        for (int v = 0; v < id.Length; v++)
        {
            var p = mesh.Position(v);
            // + 0 turns -0 into +0, so the two zeros weld
            var key = (p.X + 0f, p.Y + 0f, p.Z + 0f);
            if (!weld.TryGetValue(key, out id[v])) weld[key] = id[v] = weld.Count;
        }
        int faces = mesh.TriangleCount;
        var edges = new (long Key, int Face)[3 * faces];
        for (int f = 0; f < faces; f++)
            for (int k = 0; k < 3; k++)
            {
                long a = id[mesh.Indices[3 * f + k]], b = id[mesh.Indices[3 * f + (k + 1) % 3]];
                edges[3 * f + k] = (Math.Min(a, b) * weld.Count + Math.Max(a, b), f);
            }
        Array.Sort(edges, (x, y) => x.Key != y.Key ? x.Key.CompareTo(y.Key) : x.Face.CompareTo(y.Face));
        var pairs = new List<(int, int)>(3 * faces);
        for (int i = 0; i < edges.Length;)
        {
            int j = i;
            while (j < edges.Length && edges[j].Key == edges[i].Key) j++;
            for (int a = i; a < j; a++)
                for (int b = a + 1; b < j; b++)
                    if (edges[a].Face != edges[b].Face)
                    {
                        pairs.Add((edges[a].Face, edges[b].Face));
                        pairs.Add((edges[b].Face, edges[a].Face));
                    }
            i = j;
        }
        var start = new int[faces + 1];
        foreach (var (a, _) in pairs) start[a + 1]++;
        for (int f = 0; f < faces; f++) start[f + 1] += start[f];
        var list = new int[pairs.Count];
        var fill = (int[])start.Clone();
        foreach (var (a, b) in pairs) list[fill[a]++] = b;
        return (start, list);
    }

    private static void Segment(Surface s, int[] faces, double angle, List<Chart> output)
    {
        float cosMax = (float)Math.Cos(angle * Math.PI / 180);
        var pending = new Stack<int[]>();
        pending.Push(faces);
        while (pending.Count > 0)
            foreach (var grown in Grow(s, pending.Pop(), cosMax))
            {
                var chart = Project(s, grown);
                if (chart != null)
                {
                    output.Add(chart);
                    continue;
                }
                // Breadth-first order makes every prefix edge-connected: keep the longest prefix that projects without
                // overlap (one triangle always does) and grow the rest again.
                int good = 1, bad = grown.Length;
                var best = Project(s, grown[..1]) ?? throw new InvalidOperationException("a single triangle failed to project");
                while (bad - good > 1)
                {
                    int mid = (good + bad) / 2;
                    var prefix = Project(s, grown[..mid]);
                    if (prefix != null) (good, best) = (mid, prefix);
                    else bad = mid;
                }
                output.Add(best);
                pending.Push(grown[good..]);
            }
    }

    /// <summary>Splits <paramref name="faces"/> into edge-connected charts whose normals stay within the cone.</summary>
    private static List<int[]> Grow(Surface s, int[] faces, float cosMax)
    {
        int token = ++s.Token;
        foreach (int f in faces)
        {
            s.FaceMark[f] = token;
            s.ChartOf[f] = -1;
        }
        var charts = new List<int[]>();
        var queue = new List<int>();
        // Negligible triangles only seed a chart once no other seed reaches them.
        for (int pass = 0; pass < 2; pass++)
            foreach (int seed in faces)
            {
                if (s.ChartOf[seed] >= 0 || (pass == 0 && s.Negligible[seed])) continue;
                var axis = s.UnitNormal[seed];
                for (int round = 0; ; round++)
                {
                    GrowFrom(s, seed, axis, cosMax, token, charts.Count, queue);
                    if (round == Recentring || s.Negligible[seed]) break;
                    // A seed sits on the border of what earlier charts left, so its cone reaches one way only; the
                    // cone around the grown chart's mean normal is centred on the surface it can take.
                    var sum = Vector3.Zero;
                    foreach (int f in queue) sum += s.AreaNormal[f];
                    if (!(sum.LengthSquared() > 0)) break;
                    var mean = Vector3.Normalize(sum);
                    if (Vector3.Dot(mean, axis) > 0.9999f || !(Vector3.Dot(s.UnitNormal[seed], mean) >= cosMax)) break;
                    foreach (int f in queue) s.ChartOf[f] = -1;
                    axis = mean;
                }
                charts.Add(queue.ToArray());
            }
        return charts;
    }

    /// <summary>Breadth-first growth from the seed over allowed, unassigned faces within the cone around the axis.</summary>
    private static void GrowFrom(Surface s, int seed, Vector3 axis, float cosMax, int token, int chart, List<int> queue)
    {
        queue.Clear();
        queue.Add(seed);
        s.ChartOf[seed] = chart;
        for (int q = 0; q < queue.Count; q++)
        {
            int f = queue[q];
            for (int k = s.NeighbourStart[f]; k < s.NeighbourStart[f + 1]; k++)
            {
                int g = s.Neighbours[k];
                if (s.FaceMark[g] != token || s.ChartOf[g] >= 0) continue;
                if (!s.Negligible[g] && !(Vector3.Dot(s.UnitNormal[g], axis) >= cosMax)) continue;
                s.ChartOf[g] = chart;
                queue.Add(g);
            }
        }
    }

    /// <summary>
    /// Projects a chart along its mean normal and turns it to its principal axes; null when a triangle would flip
    /// or two would overlap.
    /// </summary>
    private static Chart? Project(Surface s, int[] faces)
    {
        var mesh = s.Mesh;
        var sum = Vector3.Zero;
        foreach (int f in faces)
            if (!s.Negligible[f]) sum += s.AreaNormal[f];
        if (sum.LengthSquared() == 0) foreach (int f in faces) sum += s.AreaNormal[f];
        var n = sum.LengthSquared() > 0 ? Vector3.Normalize(sum) : Vector3.UnitZ;
        foreach (int f in faces)
            if (!s.Negligible[f] && !(Vector3.Dot(s.AreaNormal[f], n) > 0)) return null;

        // (t, b, n) is right-handed, so a triangle counter-clockwise seen from outside stays counter-clockwise.
        var helper = MathF.Abs(n.X) < 0.6f ? Vector3.UnitX : MathF.Abs(n.Y) < 0.6f ? Vector3.UnitY : Vector3.UnitZ;
        var t = Vector3.Normalize(Vector3.Cross(helper, n));
        var b = Vector3.Cross(n, t);
        int token = ++s.Token;
        var vertices = new List<int>();
        foreach (int f in faces)
            for (int k = 0; k < 3; k++)
            {
                int v = mesh.Indices[3 * f + k];
                if (s.VertexMark[v] == token) continue;
                s.VertexMark[v] = token;
                s.VertexSlot[v] = vertices.Count;
                vertices.Add(v);
            }
        var coords = new Vector2[vertices.Count];
        for (int i = 0; i < coords.Length; i++)
        {
            var p = mesh.Position(vertices[i]);
            coords[i] = new Vector2(Vector3.Dot(p, t), Vector3.Dot(p, b));
        }
        AlignToPrincipalAxes(coords);
        var min = new Vector2(float.PositiveInfinity);
        var max = new Vector2(float.NegativeInfinity);
        foreach (var c in coords)
        {
            min = Vector2.Min(min, c);
            max = Vector2.Max(max, c);
        }
        for (int i = 0; i < coords.Length; i++) coords[i] -= min;
        var size = max - min;
        if (!Injective(s, faces, coords, TouchTolerance * MathF.Max(size.X, size.Y))) return null;
        return new Chart(faces, vertices.ToArray(), coords, size);
    }

    /// <summary>Rotates the points (a proper rotation) so that their principal axis runs along x.</summary>
    private static void AlignToPrincipalAxes(Vector2[] points)
    {
        double mx = 0, my = 0;
        foreach (var p in points) { mx += p.X; my += p.Y; }
        mx /= points.Length;
        my /= points.Length;
        double sxx = 0, syy = 0, sxy = 0;
        foreach (var p in points)
        {
            double dx = p.X - mx, dy = p.Y - my;
            sxx += dx * dx;
            syy += dy * dy;
            sxy += dx * dy;
        }
        double angle = 0.5 * Math.Atan2(2 * sxy, sxx - syy);
        float c = (float)Math.Cos(angle), sn = (float)Math.Sin(angle);
        for (int i = 0; i < points.Length; i++)
        {
            var p = points[i];
            points[i] = new Vector2(c * p.X + sn * p.Y, -sn * p.X + c * p.Y);
        }
    }

    /// <summary>
    /// No two triangles' interiors overlap (separating axes on a uniform grid of cells; shared corners have identical
    /// coordinates, so neighbours touch exactly). Negligible triangles are left out: they cover no texel worth having.
    /// </summary>
    private static bool Injective(Surface s, int[] faces, Vector2[] coords, float tolerance)
    {
        var kept = faces.Where(f => !s.Negligible[f]).ToArray();
        if (kept.Length < 2) return true;
        var tri = new Vector2[3 * kept.Length];
        var min = new Vector2(float.PositiveInfinity);
        var max = new Vector2(float.NegativeInfinity);
        for (int i = 0; i < kept.Length; i++)
            for (int k = 0; k < 3; k++)
            {
                var p = coords[s.VertexSlot[s.Mesh.Indices[3 * kept[i] + k]]];
                tri[3 * i + k] = p;
                min = Vector2.Min(min, p);
                max = Vector2.Max(max, p);
            }
        int grid = Math.Clamp((int)Math.Ceiling(Math.Sqrt(kept.Length)), 1, 512);
        var cell = (max - min) / grid;
        (int, int) CellOf(Vector2 p) => (
            cell.X > 0 ? Math.Clamp((int)((p.X - min.X) / cell.X), 0, grid - 1) : 0,
            cell.Y > 0 ? Math.Clamp((int)((p.Y - min.Y) / cell.Y), 0, grid - 1) : 0);
        var ranges = new (int X0, int Y0, int X1, int Y1)[kept.Length];
        var count = new int[grid * grid + 1];
        for (int i = 0; i < kept.Length; i++)
        {
            var lo = Vector2.Min(tri[3 * i], Vector2.Min(tri[3 * i + 1], tri[3 * i + 2]));
            var hi = Vector2.Max(tri[3 * i], Vector2.Max(tri[3 * i + 1], tri[3 * i + 2]));
            var (x0, y0) = CellOf(lo);
            var (x1, y1) = CellOf(hi);
            ranges[i] = (x0, y0, x1, y1);
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++) count[y * grid + x + 1]++;
        }
        for (int c = 0; c < grid * grid; c++) count[c + 1] += count[c];
        var members = new int[count[grid * grid]];
        var fill = (int[])count.Clone();
        for (int i = 0; i < kept.Length; i++)
        {
            var (x0, y0, x1, y1) = ranges[i];
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++) members[fill[y * grid + x]++] = i;
        }
        for (int c = 0; c < grid * grid; c++)
            for (int i = count[c]; i < count[c + 1]; i++)
                for (int j = i + 1; j < count[c + 1]; j++)
                    if (Overlap(tri.AsSpan(3 * members[i], 3), tri.AsSpan(3 * members[j], 3), tolerance)) return false;
        return true;
    }

    /// <summary>Whether two counter-clockwise triangles' interiors overlap by more than the tolerance.</summary>
    private static bool Overlap(ReadOnlySpan<Vector2> a, ReadOnlySpan<Vector2> b, float tolerance) =>
        !Separates(a, b, tolerance) && !Separates(b, a, tolerance);

    /// <summary>Whether an edge of <paramref name="a"/> has all of <paramref name="b"/> on its outer side (or on it).</summary>
    private static bool Separates(ReadOnlySpan<Vector2> a, ReadOnlySpan<Vector2> b, float tolerance)
    {
        for (int k = 0; k < 3; k++)
        {
            var p = a[k];
            var e = a[(k + 1) % 3] - p;
            float limit = tolerance * e.Length();
            bool allOutside = true;
            for (int m = 0; m < 3 && allOutside; m++)
            {
                var d = b[m] - p;
                allOutside = e.X * d.Y - e.Y * d.X <= limit;
            }
            if (allOutside) return true;
        }
        return false;
    }

    /// <summary>The textured mesh: one vertex per (chart, vertex), UVs from the packing, triangles in the input's order.</summary>
    private static TexturedMesh Assemble(Mesh mesh, List<Chart> charts, ChartPacker.Result packing, int resolution)
    {
        int total = charts.Sum(c => c.Vertices.Length);
        var positions = new float[3 * total];
        var normals = new float[3 * total];
        var uvs = new float[2 * total];
        var source = new int[total];
        var indices = new int[mesh.Indices.Length];
        var faceCharts = new int[mesh.TriangleCount];
        var unitNormals = mesh.UnitNormalsForExport();
        var newIndex = new int[mesh.VertexCount];
        double d = packing.Density;
        int next = 0;
        for (int c = 0; c < charts.Count; c++)
        {
            var chart = charts[c];
            for (int i = 0; i < chart.Vertices.Length; i++, next++)
            {
                int v = chart.Vertices[i];
                newIndex[v] = next;
                source[next] = v;
                for (int k = 0; k < 3; k++)
                {
                    positions[3 * next + k] = mesh.Positions[3 * v + k];
                    normals[3 * next + k] = unitNormals[3 * v + k];
                }
                // Texture rows run downwards, so the chart's y axis is turned over: seen from outside it is not mirrored.
                var q = chart.Coords[i];
                uvs[2 * next] = (float)((packing.X[c] + q.X * d) / resolution);
                uvs[2 * next + 1] = (float)((packing.Y[c] + (chart.Size.Y - q.Y) * d) / resolution);
            }
            foreach (int f in chart.Faces)
            {
                faceCharts[f] = c;
                for (int k = 0; k < 3; k++) indices[3 * f + k] = newIndex[mesh.Indices[3 * f + k]];
            }
        }
        return new TexturedMesh(positions, indices, uvs, normals, resolution, source, faceCharts);
    }
}
