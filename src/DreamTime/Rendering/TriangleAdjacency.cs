using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>
/// For each edge of each face, the vertex opposite it in the face on the other side of that edge: what
/// <see cref="DifferentiableRasterizer.Antialias"/> needs to tell silhouette edges from interior ones. An edge shared
/// by exactly two faces has a neighbour; a boundary edge, or one shared by three or more faces (non-manifold), has
/// none and counts as a possible silhouette in every view. Faces that repeat a vertex take no part. It depends on the
/// faces only: a caller whose topology is fixed builds it once and passes it to every Antialias call.
/// </summary>
public sealed class TriangleAdjacency
{
    /// <summary>[3F]: entry 3f + k is the vertex across the edge opposite corner k of face f, or -1.</summary>
    internal int[] Opposite { get; }

    public int TriangleCount => Opposite.Length / 3;

    private TriangleAdjacency(int[] opposite) => Opposite = opposite;

    /// <summary>The adjacency of faces [F,3] (integer indices, any device) of a mesh of <paramref name="vertexCount"/> vertices.</summary>
    public static TriangleAdjacency Of(Tensor faces, int vertexCount) =>
        Of(DifferentiableRasterizer.FaceIndices(faces, vertexCount), vertexCount);

    internal static TriangleAdjacency Of(int[] faces, int vertexCount)
    {
        int f = faces.Length / 3;
        var opposite = new int[3 * f];
        Array.Fill(opposite, -1);
        // Each face's three edges keyed by their sorted vertex pair; sorting brings the faces of an edge together.
        var keys = new long[3 * f];
        var corners = new int[3 * f];
        int n = 0;
        for (int t = 0; t < f; t++)
        {
            int a = faces[3 * t], b = faces[3 * t + 1], c = faces[3 * t + 2];
            if (a == b || b == c || c == a) continue;
            for (int k = 0; k < 3; k++)
            {
                int u = faces[3 * t + (k + 1) % 3], v = faces[3 * t + (k + 2) % 3];
                keys[n] = (long)Math.Min(u, v) * vertexCount + Math.Max(u, v);
                corners[n++] = 3 * t + k;
            }
        }
        Array.Sort(keys, corners, 0, n);
        for (int i = 0; i < n;)
        {
            int j = i + 1;
            while (j < n && keys[j] == keys[i]) j++;
            if (j - i == 2)
            {
                opposite[corners[i]] = faces[corners[i + 1]];
                opposite[corners[i + 1]] = faces[corners[i]];
            }
            i = j;
        }
        return new TriangleAdjacency(opposite);
    }
}
