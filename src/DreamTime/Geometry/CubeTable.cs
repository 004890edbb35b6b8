using System.Numerics;

namespace DreamTime.Geometry;

/// <summary>
/// The per-configuration triangle lists of marching cubes, derived here from the cube's geometry rather than typed
/// in. Corner c of a cell sits at offset (c &amp; 1, (c &gt;&gt; 1) &amp; 1, (c &gt;&gt; 2) &amp; 1); edge e runs from
/// Edges[e].Corner towards +Edges[e].Axis. A configuration has bit c set when corner c is inside.
/// How: on each of the six faces the crossed edges are joined by segments (on a face with two diagonal inside
/// corners, each inside corner is cut off on its own, a rule that only looks at the face, so the two cells sharing
/// the face always agree and the surface has no holes). Each segment is directed so the inside lies on its right
/// seen from outside the cell; the segments then chain into closed loops around the surface patch, counter-clockwise
/// seen from the outside of the dense region, and each loop is fanned into triangles.
/// </summary>
internal static class CubeTable
{
    public static readonly (int Corner, int Axis)[] Edges = BuildEdges();
    public static readonly int[][] Triangles = Enumerable.Range(0, 256).Select(BuildTriangles).ToArray();

    private static (int Corner, int Axis)[] BuildEdges()
    {
        var edges = new List<(int, int)>();
        for (int axis = 0; axis < 3; axis++)
            for (int c = 0; c < 8; c++)
                if ((c & (1 << axis)) == 0) edges.Add((c, axis));
        return edges.ToArray();
    }

    private static int EdgeBetween(int c0, int c1)
    {
        int lower = Math.Min(c0, c1), axis = System.Numerics.BitOperations.Log2((uint)(c0 ^ c1));
        return Array.IndexOf(Edges, (lower, axis));
    }

    private static Vector3 CornerPosition(int c) => new(c & 1, (c >> 1) & 1, (c >> 2) & 1);

    private static Vector3 EdgeMidpoint(int e)
    {
        var (c, axis) = Edges[e];
        var p = CornerPosition(c);
        p[axis] += 0.5f;
        return p;
    }

    // The two faces an edge lies on, as (axis, side) packed into axis * 2 + side.
    private static (int, int) FacesOf(int e)
    {
        var (c, axis) = Edges[e];
        int b0 = (axis + 1) % 3, b1 = (axis + 2) % 3;
        return (b0 * 2 + ((c >> b0) & 1), b1 * 2 + ((c >> b1) & 1));
    }

    private static bool ShareFace(int e0, int e1)
    {
        var (a0, a1) = FacesOf(e0);
        var (b0, b1) = FacesOf(e1);
        return a0 == b0 || a0 == b1 || a1 == b0 || a1 == b1;
    }

    // A fan's diagonals must not join two vertices on the same cube face: such a diagonal lies in the face, and
    // the neighbouring cell may draw the same one, giving an edge with four triangles. Pick an apex whose
    // diagonals all cross the cell's interior.
    private static int FanApex(List<int> loop, int config)
    {
        int n = loop.Count;
        for (int apex = 0; apex < n; apex++)
        {
            bool ok = true;
            for (int q = 2; q <= n - 2 && ok; q++) ok = !ShareFace(loop[apex], loop[(apex + q) % n]);
            if (ok) return apex;
        }
        throw new InvalidOperationException($"config {config}: no fan apex keeps the diagonals off the faces");
    }

    private static int[] BuildTriangles(int config)
    {
        var next = new int[12];
        Array.Fill(next, -1);
        bool IsInside(int c) => (config & (1 << c)) != 0;

        void AddSegment(int e0, int e1, int insideCorner, Vector3 faceNormal)
        {
            var p0 = EdgeMidpoint(e0);
            var d = EdgeMidpoint(e1) - p0;
            // Inside on the right seen from outside: (d x (corner - p0)) points into the cell.
            if (Vector3.Dot(Vector3.Cross(d, CornerPosition(insideCorner) - p0), faceNormal) > 0) (e0, e1) = (e1, e0);
            if (next[e0] != -1) throw new InvalidOperationException($"config {config}: edge {e0} starts two segments");
            next[e0] = e1;
        }

        for (int axis = 0; axis < 3; axis++)
            for (int side = 0; side < 2; side++)
            {
                int u = (axis + 1) % 3, w = (axis + 2) % 3;
                var corners = new[] { (0, 0), (1, 0), (1, 1), (0, 1) }
                    .Select(q => (side << axis) | (q.Item1 << u) | (q.Item2 << w)).ToArray();
                var normal = Vector3.Zero;
                normal[axis] = side == 1 ? 1 : -1;
                var crossed = Enumerable.Range(0, 4).Where(q => IsInside(corners[q]) != IsInside(corners[(q + 1) % 4])).ToArray();
                int FaceEdge(int q) => EdgeBetween(corners[q], corners[(q + 1) % 4]);
                if (crossed.Length == 2)
                {
                    int inside = corners.First(IsInside);
                    AddSegment(FaceEdge(crossed[0]), FaceEdge(crossed[1]), inside, normal);
                }
                else if (crossed.Length == 4)
                {
                    for (int q = 0; q < 4; q++)
                        if (IsInside(corners[q])) AddSegment(FaceEdge((q + 3) % 4), FaceEdge(q), corners[q], normal);
                }
            }

        var triangles = new List<int>();
        var visited = new bool[12];
        for (int start = 0; start < 12; start++)
        {
            if (next[start] == -1 || visited[start]) continue;
            var loop = new List<int>();
            int e = start;
            do
            {
                if (next[e] == -1 || visited[e])
                    throw new InvalidOperationException($"config {config}: loop through edge {start} does not close");
                visited[e] = true;
                loop.Add(e);
                e = next[e];
            } while (e != start);
            int apex = FanApex(loop, config);
            for (int q = 1; q + 1 < loop.Count; q++)
                triangles.AddRange([loop[apex], loop[(apex + q) % loop.Count], loop[(apex + q + 1) % loop.Count]]);
        }
        return triangles.ToArray();
    }
}
