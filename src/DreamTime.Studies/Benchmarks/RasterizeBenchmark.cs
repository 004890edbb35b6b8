using DreamTime.Geometry;
using DreamTime.Rendering;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Studies.Benchmarks;

/// <summary>
/// Times <see cref="MeshRasterizer.Render"/> of one view, the call that draws mesh previews and turnarounds, and
/// <see cref="DifferentiableRasterizer"/>'s forward and backward pass of one view (CPU tensors) at each differentiable size.
/// </summary>
public static class RasterizeBenchmark
{
    private static readonly Camera View = new(20, 30, 2.5, 40);

    public static RasterizeBenchmarkResult Run(RasterizeBenchmarkSettings settings)
    {
        settings.Validate();
        int n = settings.MeshGrid;
        var mesh = Ball(n);
        for (int i = 0; i < settings.Warmup; i++)
            MeshRasterizer.Render(mesh, View, settings.Size, settings.Size, supersample: settings.Supersample);
        var runs = new List<(RasterTimings Parts, double Total)>();
        float[] mask = [];
        for (int i = 0; i < settings.Runs; i++)
        {
            var parts = new RasterTimings();
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            mask = MeshRasterizer.Render(mesh, View, settings.Size, settings.Size, supersample: settings.Supersample,
                timings: parts).Mask;
            runs.Add((parts, BenchmarkTable.Seconds(start, System.Diagnostics.Stopwatch.GetTimestamp())));
        }
        double Median(Func<(RasterTimings Parts, double Total), double> f) => BenchmarkTable.Median(runs.Select(f));
        var differentiableMesh = settings.DifferentiableSizes.Count == 0 ? Mesh.Empty
            : settings.DifferentiableMeshGrid == n ? mesh : Ball(settings.DifferentiableMeshGrid);
        return new RasterizeBenchmarkResult(settings, Median(r => r.Parts.Setup), Median(r => r.Parts.Rasterize),
            Median(r => r.Parts.Resolve), Median(r => r.Total), mesh.TriangleCount, mask.Sum())
        {
            Differentiable = settings.DifferentiableSizes.Select(s => Differentiable(differentiableMesh, s, settings)).ToList(),
            DifferentiableTriangles = differentiableMesh.TriangleCount,
        };
    }

    private static Mesh Ball(int n) =>
        MarchingCubes.Extract(MarchingCubesBenchmark.BallGrid(n), n, n, n, MarchingCubesBenchmark.Bounds, 0f);

    /// <summary>
    /// What a mesh training step asks of the rasteriser: rasterise, interpolate a colour per vertex, antialias, a
    /// scalar loss against a grey image and the backward pass to vertices and colours. The adjacency is built once,
    /// as a step with a fixed topology would.
    /// </summary>
    private static DifferentiableRasterRow Differentiable(Mesh mesh, int size, RasterizeBenchmarkSettings settings)
    {
        var vertices = torch.tensor(mesh.Positions, new long[] { mesh.VertexCount, 3 }).requires_grad_(true);
        var faces = torch.tensor(mesh.Indices.Select(i => (long)i).ToArray(), new long[] { mesh.TriangleCount, 3 });
        var colors = torch.tensor(mesh.Positions.Select(p => 0.5f + 0.5f * p).ToArray(), new long[] { mesh.VertexCount, 3 })
            .requires_grad_(true);
        var adjacency = TriangleAdjacency.Of(faces, mesh.VertexCount);
        // per run: z-buffer, barycentrics, interpolate, aa analysis, aa blend, backward, total (seconds), covered pixels
        var runs = new List<double[]>();
        for (int i = 0; i < settings.Warmup + settings.Runs; i++)
        {
            using var scope = NewDisposeScope();
            var parts = new DifferentiableRasterTimings();
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            using var fragments = DifferentiableRasterizer.Rasterize(vertices, faces, [View], size, size, parts);
            long rasterized = System.Diagnostics.Stopwatch.GetTimestamp();
            var image = DifferentiableRasterizer.Interpolate(colors, fragments);
            long interpolated = System.Diagnostics.Stopwatch.GetTimestamp();
            var smooth = DifferentiableRasterizer.Antialias(image, fragments, adjacency, parts);
            long antialiased = System.Diagnostics.Stopwatch.GetTimestamp();
            smooth.Minus(0.5).Squared().mean().backward();
            long end = System.Diagnostics.Stopwatch.GetTimestamp();
            vertices.grad!.zero_();
            colors.grad!.zero_();
            if (i < settings.Warmup) continue;
            runs.Add([parts.Visibility, parts.Barycentrics, BenchmarkTable.Seconds(rasterized, interpolated), parts.AntialiasAnalysis,
                parts.AntialiasBlend, BenchmarkTable.Seconds(antialiased, end), BenchmarkTable.Seconds(start, end),
                fragments.Coverage().sum().ReadDouble()]);
        }
        double Median(int column) => BenchmarkTable.Median(runs.Select(r => r[column]));
        return new DifferentiableRasterRow(size, Median(0), Median(1), Median(2), Median(3), Median(4), Median(5), Median(6), Median(7));
    }
}
