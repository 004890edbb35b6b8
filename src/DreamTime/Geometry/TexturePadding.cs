using System.Numerics;

namespace DreamTime.Geometry;

/// <summary>
/// Fills the empty texels of a baked texture so that filtering near a chart's border (bilinear, and the coarser
/// levels of a mipmap) never reads an unrelated background.
/// </summary>
public static class TexturePadding
{
    /// <summary>
    /// Runs <paramref name="rounds"/> rounds of dilation (each empty texel with a filled 8-neighbour takes their
    /// mean, so round k fills the texels k steps out), then gives every texel still empty the mean of the texels that
    /// were filled at the start. Works in place on an RGB image of side <paramref name="resolution"/>.
    /// </summary>
    public static void Pad(float[] pixels, bool[] filled, int resolution, int rounds)
    {
        int r = resolution;
        if (pixels.Length != 3 * r * r || filled.Length != r * r)
            throw new ArgumentException($"{pixels.Length} values and {filled.Length} flags for a {r}x{r} RGB image");
        var sum = new double[3];
        int count = 0;
        for (int k = 0; k < filled.Length; k++)
            if (filled[k])
            {
                count++;
                for (int c = 0; c < 3; c++) sum[c] += pixels[3 * k + c];
            }
        var mean = count == 0 ? Vector3.Zero : new Vector3((float)(sum[0] / count), (float)(sum[1] / count), (float)(sum[2] / count));
        var current = filled;
        for (int round = 0; round < rounds; round++) current = Dilate(pixels, current, r);
        for (int k = 0; k < current.Length; k++)
            if (!current[k])
            {
                pixels[3 * k] = mean.X; pixels[3 * k + 1] = mean.Y; pixels[3 * k + 2] = mean.Z;
            }
    }

    /// <summary>One round of dilation; returns the new filled flags.</summary>
    private static bool[] Dilate(float[] pixels, bool[] filled, int r)
    {
        var next = (bool[])filled.Clone();
        Parallel.For(0, r, i =>
        {
            for (int j = 0; j < r; j++)
            {
                int k = i * r + j;
                if (filled[k]) continue;
                var sum = Vector3.Zero;
                int n = 0;
                for (int y = Math.Max(0, i - 1); y <= Math.Min(r - 1, i + 1); y++)
                    for (int x = Math.Max(0, j - 1); x <= Math.Min(r - 1, j + 1); x++)
                    {
                        int m = y * r + x;
                        if (!filled[m]) continue;
                        sum += new Vector3(pixels[3 * m], pixels[3 * m + 1], pixels[3 * m + 2]);
                        n++;
                    }
                if (n == 0) continue;
                sum /= n;
                // Only texels empty before this round are written and only filled ones read, so rows do not race.
                pixels[3 * k] = sum.X; pixels[3 * k + 1] = sum.Y; pixels[3 * k + 2] = sum.Z;
                next[k] = true;
            }
        });
        return next;
    }
}
