using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>
/// For each edge of each face, the face on the other side of that edge and its vertex opposite the edge: what
/// <see cref="DifferentiableRasterizer.Antialias"/> needs to tell silhouette edges from interior ones, and what the
/// mesh regularisers pair faces by. An edge shared by exactly two faces has a neighbour; a boundary edge, or one shared
/// by three or more faces (non-manifold), has none and counts as a possible silhouette in every view. Faces that
/// repeat a vertex take no part. It depends on the faces only: a caller whose topology is fixed builds it once and
/// passes it to every Antialias call.
/// </summary>
public sealed class TriangleAdjacency
{
    /// <summary>[3F]: entry 3f + k is the vertex across the edge opposite corner k of face f, or -1.</summary>
    internal int[] Opposite { get; }

    /// <summary>[3F]: entry 3f + k is the face across the edge opposite corner k of face f, or -1.</summary>
    internal int[] OppositeFace { get; }

    public int TriangleCount => Opposite.Length / 3;

    private TriangleAdjacency(int[] opposite, int[] oppositeFace) => (Opposite, OppositeFace) = (opposite, oppositeFace);

    /// <summary>The adjacency of faces [F,3] (integer indices, any device) of a mesh of <paramref name="vertexCount"/> vertices.</summary>
    public static TriangleAdjacency Of(Tensor faces, int vertexCount) =>
        Of(DifferentiableRasterizer.FaceIndices(faces, vertexCount), vertexCount);

    /// <summary>The two faces of every edge shared by exactly two faces, each pair once (lower face first), in face order.</summary>
    public (long[] A, long[] B) FacePairs()
    {
        var a = new List<long>(OppositeFace.Length / 2);
        var b = new List<long>(OppositeFace.Length / 2);
        for (int t = 0, i = 0; t < TriangleCount; t++)
            for (int k = 0; k < 3; k++, i++)
                if (OppositeFace[i] > t)
                {
                    a.Add(t);
                    b.Add(OppositeFace[i]);
                }
        return (a.ToArray(), b.ToArray());
    }

    internal static TriangleAdjacency Of(int[] faces, int vertexCount)
    {
        int f = faces.Length / 3;
        var opposite = new int[3 * f];
        var oppositeFace = new int[3 * f];
        Array.Fill(opposite, -1);
        Array.Fill(oppositeFace, -1);
        // Each edge is filed under its lower vertex (a counting sort, linear in the faces where a comparison sort of
        // edge keys cost several times more per render); the few edges filed under one vertex are then sorted by
        // their upper vertex, which brings an edge's faces together.
        var start = new int[vertexCount + 1];
        for (int t = 0; t < f; t++)
        {
            int a = faces[3 * t], b = faces[3 * t + 1], c = faces[3 * t + 2];
            if (a == b || b == c || c == a) continue;
            start[Math.Min(a, b) + 1]++;
            start[Math.Min(b, c) + 1]++;
            start[Math.Min(c, a) + 1]++;
        }
        for (int v = 0; v < vertexCount; v++) start[v + 1] += start[v];
        int n = start[vertexCount];
        var upper = new int[n];
        var corner = new int[n];
        var next = (int[])start.Clone();
        for (int t = 0; t < f; t++)
        {
            int a = faces[3 * t], b = faces[3 * t + 1], c = faces[3 * t + 2];
            if (a == b || b == c || c == a) continue;
            for (int k = 0; k < 3; k++)
            {
                int u = faces[3 * t + (k + 1) % 3], w = faces[3 * t + (k + 2) % 3];
                int slot = next[Math.Min(u, w)]++;
                upper[slot] = Math.Max(u, w);
                corner[slot] = 3 * t + k;
            }
        }
        for (int v = 0; v < vertexCount; v++)
        {
            // a bucket holds a few edges (a hub vertex many): sorting it keeps the matching linear
            Array.Sort(upper, corner, start[v], start[v + 1] - start[v]);
            for (int i = start[v]; i < start[v + 1];)
            {
                int j = i + 1;
                while (j < start[v + 1] && upper[j] == upper[i]) j++;
                if (j - i == 2)
                {
                    int p = corner[i], q = corner[i + 1];
                    (opposite[p], oppositeFace[p]) = (faces[q], q / 3);
                    (opposite[q], oppositeFace[q]) = (faces[p], p / 3);
                }
                i = j;
            }
        }
        return new TriangleAdjacency(opposite, oppositeFace);
    }
}
