using System.Numerics;
using DreamTime.Runtime;

namespace DreamTime.Geometry;

/// <summary>
/// Packs axis-aligned chart rectangles into one square texture with shelves: charts sorted by height (tallest
/// first) fill rows left to right, and a row is as tall as its first chart. Every chart gets the same texel
/// density (texels per world unit), the largest for which the shelves still fit, so texel size is uniform over
/// the surface. Each chart keeps <c>gutter</c> empty texels on every side.
/// </summary>
public static class ChartPacker
{
    /// <summary>A packing: texels per world unit, and each chart's corner (texel column, row) where its extent starts.</summary>
    public sealed record Result(double Density, int[] X, int[] Y);

    /// <param name="sizes">each chart's extent (width, height) in world units</param>
    public static Result Pack(IReadOnlyList<Vector2> sizes, int resolution, int gutter)
    {
        int n = sizes.Count;
        if (n == 0) return new Result(1, [], []);
        var order = Enumerable.Range(0, n)
            .OrderByDescending(i => sizes[i].Y).ThenByDescending(i => sizes[i].X).ThenBy(i => i).ToArray();
        var x = new int[n];
        var y = new int[n];
        double area = 0, extent = 0;
        foreach (var s in sizes)
        {
            area += (double)s.X * s.Y;
            extent = Math.Max(extent, Math.Max(s.X, s.Y));
        }
        if (extent == 0)
            return TryPack(sizes, order, 1, resolution, gutter, x, y) ? new Result(1, x, y) : throw TooMany(n, resolution, gutter);
        // No packing beats a gap-free tiling of the rectangles, and no chart may be wider than the texture.
        double hi = Math.Min(area > 0 ? resolution / Math.Sqrt(area) : double.MaxValue, (resolution - 2 * gutter - 1) / extent);
        if (TryPack(sizes, order, hi, resolution, gutter, x, y)) return new Result(hi, x, y);
        double lo = hi * 1e-6;
        if (!TryPack(sizes, order, lo, resolution, gutter, x, y)) throw TooMany(n, resolution, gutter);
        // Shelf packing is monotone in the density up to rounding, so a geometric bisection finds the largest fit to 0.1 %.
        while (hi / lo > 1.001)
        {
            double mid = Math.Sqrt(lo * hi);
            if (TryPack(sizes, order, mid, resolution, gutter, x, y)) lo = mid;
            else hi = mid;
        }
        if (!TryPack(sizes, order, lo, resolution, gutter, x, y))
            throw new InvalidOperationException("a density that packed stopped packing");
        return new Result(lo, x, y);
    }

    /// <summary>Texels a chart of <paramref name="worldSize"/> takes at this density, gutters included.</summary>
    public static int Span(float worldSize, double density, int gutter) => 2 * gutter + Math.Max(1, (int)Math.Ceiling(worldSize * density));

    private static bool TryPack(IReadOnlyList<Vector2> sizes, int[] order, double density, int resolution, int gutter, int[] x, int[] y)
    {
        int cx = 0, cy = 0, shelf = 0;
        foreach (int i in order)
        {
            int w = Span(sizes[i].X, density, gutter), h = Span(sizes[i].Y, density, gutter);
            if (w > resolution) return false;
            if (cx + w > resolution)
            {
                cy += shelf;
                cx = 0;
                shelf = 0;
            }
            if (cy + h > resolution) return false;
            x[i] = cx + gutter;
            y[i] = cy + gutter;
            cx += w;
            shelf = Math.Max(shelf, h);
        }
        return true;
    }

    private static UserError TooMany(int charts, int resolution, int gutter) =>
        new("resolution", $"is {resolution}; {charts} charts with {gutter} gutter texels around each do not fit in the texture");
}
