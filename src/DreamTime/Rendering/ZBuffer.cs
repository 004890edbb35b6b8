using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DreamTime.Rendering;

/// <summary>
/// Per-sample z-buffer: inverse depth (0 = nothing drawn), the face seen and, when asked for, its perspective-correct
/// barycentrics. Samples are row-major; sample (i, j) has its centre at (j + 0.5, i + 0.5).
/// </summary>
internal sealed class ZBuffer
{
    public readonly int Height, Width;
    public readonly float[] InvDepth;
    public readonly int[] Face;
    /// <summary>Barycentrics of the sample within its mesh face; null when the buffer was made without them.</summary>
    public readonly Vector3[]? Bary;

    public ZBuffer(int height, int width, bool barycentrics)
    {
        Height = height; Width = width;
        InvDepth = new float[height * width];
        Face = new int[height * width];
        Array.Fill(Face, -1);
        Bary = barycentrics ? new Vector3[height * width] : null;
    }

    /// <summary>
    /// Draws the triangles (the parts' lists one after the other, as <see cref="TriangleSetup.Setup"/> makes them).
    /// Rows are split into bands drawn in parallel, each over the triangles whose bounding box reaches it; inside a band
    /// triangles are drawn in order and a sample keeps the first of equally near ones, so the result does not depend on
    /// the thread count.
    /// </summary>
    public void Draw(List<ScreenTriangle>[] parts)
    {
        int bands = Math.Min(Height, 4 * Environment.ProcessorCount);
        int bandHeight = (Height + bands - 1) / bands;
        // Bin the triangles by band (a counting sort, which keeps their order within a band) as (part, index) pairs.
        var start = new int[bands + 1];
        foreach (var part in parts)
            foreach (ref readonly var t in CollectionsMarshal.AsSpan(part))
                for (int b = t.MinRow / bandHeight; b <= t.MaxRow / bandHeight; b++) start[b + 1]++;
        for (int b = 0; b < bands; b++) start[b + 1] += start[b];
        var binned = new (int Part, int Index)[start[bands]];
        var fill = start[..bands];
        for (int p = 0; p < parts.Length; p++)
        {
            var triangles = CollectionsMarshal.AsSpan(parts[p]);
            for (int i = 0; i < triangles.Length; i++)
                for (int b = triangles[i].MinRow / bandHeight; b <= triangles[i].MaxRow / bandHeight; b++) binned[fill[b]++] = (p, i);
        }
        Parallel.For(0, bands, band =>
        {
            int rowStart = band * bandHeight, rowEnd = Math.Min(Height, rowStart + bandHeight) - 1;
            for (int k = start[band]; k < start[band + 1]; k++)
            {
                var (p, i) = binned[k];
                ref readonly var t = ref CollectionsMarshal.AsSpan(parts[p])[i];
                Draw(t, Math.Max(rowStart, t.MinRow), Math.Min(rowEnd, t.MaxRow));
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Draw(in ScreenTriangle t, int firstRow, int lastRow)
    {
        float invArea = 1 / TriangleSetup.Edge(t.P0, t.P1, t.P2);
        var bary = Bary;
        for (int i = firstRow; i <= lastRow; i++)
        {
            float y = i + 0.5f;
            int rowOffset = i * Width;
            for (int j = t.MinCol; j <= t.MaxCol; j++)
            {
                var p = new Vector2(j + 0.5f, y);
                // Edge functions opposite each corner give its screen-space barycentric weight.
                float w0 = TriangleSetup.Edge(t.P1, t.P2, p), w1 = TriangleSetup.Edge(t.P2, t.P0, p),
                    w2 = TriangleSetup.Edge(t.P0, t.P1, p);
                if (w0 < 0 || w1 < 0 || w2 < 0) continue;
                float l0 = w0 * invArea * t.InvDepth0, l1 = w1 * invArea * t.InvDepth1, l2 = w2 * invArea * t.InvDepth2;
                // Inverse depth is affine in screen space; nearer means larger.
                float invDepth = l0 + l1 + l2;
                int k = rowOffset + j;
                if (!(invDepth > InvDepth[k])) continue;
                InvDepth[k] = invDepth;
                Face[k] = t.Face;
                // Perspective-correct weights of the corners, mapped to the original face's barycentrics.
                if (bary != null) bary[k] = (l0 * t.Bary0 + l1 * t.Bary1 + l2 * t.Bary2) / invDepth;
            }
        }
    }
}
