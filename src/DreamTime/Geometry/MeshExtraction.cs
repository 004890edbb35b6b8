using System.Numerics;

namespace DreamTime.Geometry;

/// <summary>
/// Turns a density field into a coloured mesh: samples the field on a grid over the bounds in batches, runs
/// marching cubes, optionally keeps the largest piece, and colours each vertex with the albedo field there.
/// Both fields take points as a flat array xyz [N*3]; density returns [N], albedo returns rgb [N*3] (clamped to [0,1]).
/// </summary>
public static class MeshExtraction
{
    public static MeshExtractionResult Extract(
        Func<float[], float[]> density,
        Func<float[], float[]> albedo,
        (Vector3 Min, Vector3 Max) bounds,
        MeshExtractionOptions options)
    {
        int r = options.Resolution;
        if (r < 2) throw new ArgumentException($"resolution must be at least 2, got {r}");
        if (options.BatchSize < 1) throw new ArgumentException($"batch size must be at least 1, got {options.BatchSize}");
        var (min, max) = bounds;
        if (!(max.X > min.X && max.Y > min.Y && max.Z > min.Z))
            throw new ArgumentException($"bounds max {max} must exceed min {min} on every axis");

        var grid = SampleGrid(density, min, max, r, options.BatchSize);
        var (dMin, dMax, insideFraction) = Summarise(grid, options.IsoLevel);

        var mesh = MarchingCubes.Extract(grid, r, r, r, bounds, options.IsoLevel);
        if (options.KeepLargestComponent && !mesh.IsEmpty) mesh = mesh.KeepLargestComponent();
        if (!mesh.IsEmpty) mesh = mesh.WithColors(Evaluate(albedo, mesh.Positions, 3, options.BatchSize, "albedo"));
        return new MeshExtractionResult(mesh, dMin, dMax, insideFraction);
    }

    private static float[] SampleGrid(Func<float[], float[]> density, Vector3 min, Vector3 max, int r, int batchSize)
    {
        long total = (long)r * r * r;
        if (total > Array.MaxLength) throw new ArgumentException($"resolution {r} gives {total} samples, more than an array holds");
        var grid = new float[total];
        var step = (max - min) / (r - 1);
        for (long start = 0; start < total; start += batchSize)
        {
            int n = (int)Math.Min(batchSize, total - start);
            var xyz = new float[n * 3];
            for (int q = 0; q < n; q++)
            {
                long node = start + q;
                int i = (int)(node / ((long)r * r)), j = (int)(node / r % r), k = (int)(node % r);
                var p = min + new Vector3(i, j, k) * step;
                xyz[3 * q] = p.X; xyz[3 * q + 1] = p.Y; xyz[3 * q + 2] = p.Z;
            }
            var d = density(xyz);
            if (d.Length != n) throw new InvalidOperationException($"density function returned {d.Length} values for {n} points");
            Array.Copy(d, 0, grid, start, n);
        }
        return grid;
    }

    private static float[] Evaluate(Func<float[], float[]> field, float[] points, int channels, int batchSize, string name)
    {
        int count = points.Length / 3;
        var result = new float[count * channels];
        for (int start = 0; start < count; start += batchSize)
        {
            int n = Math.Min(batchSize, count - start);
            var xyz = new float[n * 3];
            Array.Copy(points, 3 * start, xyz, 0, n * 3);
            var values = field(xyz);
            if (values.Length != n * channels)
                throw new InvalidOperationException($"{name} function returned {values.Length} values for {n} points, " +
                    $"expected {n * channels}");
            Array.Copy(values, 0, result, start * channels, n * channels);
        }
        return result;
    }

    private static (float Min, float Max, double InsideFraction) Summarise(float[] grid, float iso)
    {
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        long inside = 0;
        foreach (var d in grid)
        {
            if (float.IsFinite(d)) { lo = Math.Min(lo, d); hi = Math.Max(hi, d); }
            if (d > iso) inside++;
        }
        if (lo > hi) (lo, hi) = (float.NaN, float.NaN);
        return (lo, hi, (double)inside / grid.Length);
    }
}
