using DreamTime.Geometry;

namespace DreamTime.Studies.Benchmarks;

/// <summary>Times <see cref="UvUnwrap.Unwrap"/> and <see cref="TextureBaker.BakeVertexColors"/> on a marching-cubes ball.</summary>
public static class UnwrapBenchmark
{
    public static UnwrapBenchmarkResult Run(UnwrapBenchmarkSettings settings)
    {
        settings.Validate();
        int n = settings.MeshGrid;
        var mesh = MarchingCubes.Extract(MarchingCubesBenchmark.BallGrid(n), n, n, n, MarchingCubesBenchmark.Bounds, 0f);
        var colors = new float[mesh.Positions.Length];
        for (int i = 0; i < colors.Length; i++) colors[i] = (mesh.Positions[i] + 1) / 2;
        mesh = mesh.WithColors(colors);
        var options = new UvUnwrapOptions { Resolution = settings.Resolution };
        for (int i = 0; i < settings.Warmup; i++) TextureBaker.BakeVertexColors(UvUnwrap.Unwrap(mesh, options), mesh);
        var runs = new List<(double Unwrap, double Bake)>();
        TexturedMesh atlas = null!;
        for (int i = 0; i < settings.Runs; i++)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            atlas = UvUnwrap.Unwrap(mesh, options);
            long unwrapped = System.Diagnostics.Stopwatch.GetTimestamp();
            TextureBaker.BakeVertexColors(atlas, mesh);
            long end = System.Diagnostics.Stopwatch.GetTimestamp();
            runs.Add((BenchmarkTable.Seconds(start, unwrapped), BenchmarkTable.Seconds(unwrapped, end)));
        }
        return new UnwrapBenchmarkResult(settings, BenchmarkTable.Median(runs.Select(r => r.Unwrap)),
            BenchmarkTable.Median(runs.Select(r => r.Bake)),
            mesh.TriangleCount, atlas.ChartCount, mesh.VertexCount, atlas.VertexCount, UvArea(atlas));
    }

    /// <summary>The summed area of the triangles in UV space: the fraction of the texture the charts cover.</summary>
    public static double UvArea(TexturedMesh atlas)
    {
        double area = 0;
        for (int f = 0; f < atlas.TriangleCount; f++)
        {
            var (a, b, c) = atlas.Triangle(f);
            var ab = atlas.Uv(b) - atlas.Uv(a);
            var ac = atlas.Uv(c) - atlas.Uv(a);
            area += 0.5 * Math.Abs((double)ab.X * ac.Y - (double)ab.Y * ac.X);
        }
        return area;
    }
}
