using System.Numerics;

namespace DreamTime.Rendering;

/// <summary>
/// The discrete half of <see cref="DifferentiableRasterizer.Antialias"/> (Laine et al. 2020, the analysis nvdiffrast's
/// antialias runs), on the z-buffer's CPU arrays. For every pair of horizontally or vertically neighbouring pixels
/// that see different faces (or a face and the background):
/// <list type="number">
/// <item>the front face is the nearer of the two (a face beats the background); its pixel is the front pixel;</item>
/// <item>of that face's edges crossing the line through both pixel centres, the one on the neighbour's side is
/// taken; it must be a silhouette edge: the face across it (<see cref="TriangleAdjacency"/>) lies on the same side
/// of the plane through the eye and the edge as the face itself (the surface folds away there), or there is no face
/// across it;</item>
/// <item>the edge must run more across the pair than along it (|d across| &gt;= |d along|), so each edge is handled
/// by horizontal or by vertical pairs, not both, and it must cross between the two centres (within 1/16 pixel);</item>
/// <item>with s the crossing's distance from the front pixel's centre towards the other (clamped to [0, 1]), the face
/// covers s + 1/2 of the front pixel's box along the pair and s - 1/2 of the other's: when s &lt; 1/2 the front
/// pixel takes (1/2 - s) of the other's colour, otherwise the other takes (s - 1/2) of the front's.</item>
/// </list>
/// Faces with a vertex behind the near plane are left alone (their projected edges are not the silhouette).
/// The side test runs in camera space (sign of det(a, b, c) of camera-space points, the eye at the origin), which
/// for points in front of the camera is nvdiffrast's screen-space orientation test.
/// </summary>
internal static class AntialiasAnalysis
{
    /// <summary>How far outside the segment between the pixel centres a crossing may fall (rounding), in pixels.</summary>
    private const float Slack = 1f / 16;

    public static AntialiasEdges Find(RasterVisibility vis, TriangleAdjacency adjacency)
    {
        if (adjacency.TriangleCount != vis.Faces.Length / 3)
            throw new ArgumentException($"the adjacency has {adjacency.TriangleCount} faces, the raster {vis.Faces.Length / 3}");
        int h = vis.Height, w = vis.Width;
        var rows = new AntialiasEdges[vis.Batch * h];
        Parallel.For(0, rows.Length, r =>
        {
            int b = r / h, i = r % h;
            var found = new AntialiasEdges(0);
            for (int j = 0; j < w; j++)
            {
                if (j + 1 < w) Pair(vis, adjacency.Opposite, b, i, j, vertical: false, found);
                if (i + 1 < h) Pair(vis, adjacency.Opposite, b, i, j, vertical: true, found);
            }
            rows[r] = found;
        });
        var all = new AntialiasEdges(rows.Sum(e => e.Count));
        foreach (var e in rows) all.AddRange(e);
        return all;
    }

    private static void Pair(RasterVisibility vis, int[] opposite, int b, int i, int j, bool vertical, AntialiasEdges found)
    {
        int h = vis.Height, w = vis.Width;
        int k0 = (b * h + i) * w + j, k1 = vertical ? k0 + w : k0 + 1;
        int t0 = vis.TriangleId[k0], t1 = vis.TriangleId[k1];
        if (t0 == t1) return;
        bool front0 = t0 >= 0 && (t1 < 0 || vis.Depth[k0] < vis.Depth[k1]);
        int tri = front0 ? t0 : t1;
        float ds = front0 ? 1 : -1;
        // The front pixel's centre in sample-grid coordinates.
        int fi = front0 || !vertical ? i : i + 1, fj = front0 || vertical ? j : j + 1;
        float cx = fj + 0.5f, cy = fi + 0.5f;

        var cam = vis.CameraVertices[b];
        var faces = vis.Faces;
        int v0 = faces[3 * tri], v1 = faces[3 * tri + 1], v2 = faces[3 * tri + 2];
        Vector3 c0 = cam[v0], c1 = cam[v1], c2 = cam[v2];
        if (c0.Z < TriangleSetup.NearDepth || c1.Z < TriangleSetup.NearDepth || c2.Z < TriangleSetup.NearDepth) return;
        // Silhouette flags of the edges opposite each corner.
        double own = Det(c0, c1, c2);
        bool s0 = Silhouette(opposite[3 * tri], cam, c1, c2, own);
        bool s1 = Silhouette(opposite[3 * tri + 1], cam, c2, c0, own);
        bool s2 = Silhouette(opposite[3 * tri + 2], cam, c0, c1, own);
        if (!(s0 || s1 || s2)) return;

        // Corners relative to the front pixel's centre, "along" the pair and "across" it.
        var view = vis.Views[b];
        Span<float> along = stackalloc float[3], across = stackalloc float[3];
        Span<int> corner = [v0, v1, v2];
        Span<bool> silhouette = [s0, s1, s2];
        ReadOnlySpan<Vector3> corners = [c0, c1, c2];
        for (int k = 0; k < 3; k++)
        {
            var p = view.Project(corners[k]);
            float x = p.X - cx, y = p.Y - cy;
            (along[k], across[k]) = vertical ? (y, x) : (x, y);
        }
        // Of the edges crossing the line across = 0, the one farthest towards the neighbour.
        int best = -1;
        float bestPosition = float.NegativeInfinity;
        for (int k = 0; k < 3; k++)
        {
            int a = (k + 1) % 3, c = (k + 2) % 3;
            if ((across[a] < 0) == (across[c] < 0)) continue;
            float position = ds * (along[a] - across[a] * (along[c] - along[a]) / (across[c] - across[a]));
            if (position > bestPosition) { bestPosition = position; best = k; }
        }
        if (best < 0 || !silhouette[best]) return;
        int ea = (best + 1) % 3, eb = (best + 2) % 3;
        if (MathF.Abs(across[eb] - across[ea]) < MathF.Abs(along[eb] - along[ea])) return;
        if (!(bestPosition > -Slack && bestPosition < 1 + Slack)) return;
        float alpha = ds * (0.5f - Math.Clamp(bestPosition, 0f, 1f));
        if (alpha == 0) return;

        int vertexBase = b * vis.VertexCount;
        found.Pixel0.Add(k0);
        found.Pixel1.Add(k1);
        found.Target.Add(alpha > 0 ? k0 : k1);
        found.VertexA.Add(vertexBase + corner[ea]);
        found.VertexB.Add(vertexBase + corner[eb]);
        found.Vertical.Add(vertical);
        found.Direction.Add(ds);
        found.CentreX.Add(cx - 0.5 * w);
        found.CentreY.Add(cy - 0.5 * h);
        found.Focal.Add(vis.Focal[b]);
    }

    /// <summary>
    /// Whether the edge (a, b) of a face whose own orientation is <paramref name="own"/> is a silhouette: no face
    /// across it, or the vertex across it on the same side of the plane through the eye and the edge as the face's own.
    /// </summary>
    private static bool Silhouette(int across, Vector3[] cam, Vector3 a, Vector3 b, double own) =>
        across < 0 || (Det(cam[across], a, b) >= 0) == (own >= 0);

    /// <summary>det[p; q; r] = p . (q x r) in double precision.</summary>
    private static double Det(Vector3 p, Vector3 q, Vector3 r) =>
        p.X * ((double)q.Y * r.Z - (double)q.Z * r.Y) + p.Y * ((double)q.Z * r.X - (double)q.X * r.Z)
        + p.Z * ((double)q.X * r.Y - (double)q.Y * r.X);
}
