using System.CommandLine;
using DreamTime.Cli;
using DreamTime.Cli.Commands;
using DreamTime.Imaging;
using DreamTime.Representations.Nerf;
using DreamTime.Studies.Benchmarks;
using Xunit;

namespace DreamTime.Tests.Studies.Benchmarks;

/// <summary>
/// The benchmarks with tiny settings: times are finite, non-negative, and their parts fit inside the whole, which
/// holds by construction on any machine (one timed run, so every median is that run's value). No test looks at
/// how fast anything is.
/// </summary>
[Collection(BenchmarkCollection.Name)]
public class BenchmarkTests
{
    // Parts are read from the same monotonic clock as their whole; the slack covers the rounding of tick sums.
    private const double Slack = 1e-6;

    private static void AssertTime(double seconds, string what) =>
        Assert.True(double.IsFinite(seconds) && seconds >= 0, $"{what} = {seconds}");

    private static void AssertPartsFit(double whole, string what, params double[] parts) =>
        Assert.True(parts.Sum() <= whole + Slack, $"{what}: parts sum to {parts.Sum()} s > {whole} s");

    [Theory]
    [InlineData(HashGridBackend.Auto)]
    [InlineData(HashGridBackend.TensorOps)]
    public void NerfStepPartsAddUp(HashGridBackend backend)
    {
        var settings = new NerfStepSettings
        {
            Config = new NerfConfig { HashLevels = 2, Log2TableSize = 8, BaseResolution = 4, HiddenWidth = 8, SamplesPerRay = 4 },
            RaysHw = 4,
            Batch = 1,
            Steps = 1,
            Warmup = 0,
        };
        var r = NerfStepBenchmark.Run(settings, backend);
        var t = r.Median;
        foreach (var (v, name) in new[] { (t.Rays, "rays"), (t.Encode, "encode"), (t.Mlp, "mlp"), (t.Composite, "composite"),
                                          (t.Forward, "forward"),
                                          (t.Backward, "backward"), (t.EncodeBackward, "encode backward"), (t.Optimizer, "adam"),
                                          (t.Total, "total"), (t.Cpu, "cpu") })
            AssertTime(v, name);
        AssertPartsFit(t.Forward, "forward", t.Rays, t.Encode, t.Mlp, t.Composite);
        AssertPartsFit(t.Backward, "backward", t.EncodeBackward);
        Assert.Equal(t.Total, t.Forward + t.Backward + t.Optimizer, 9);
        if (backend == HashGridBackend.TensorOps) Assert.Equal(0, t.EncodeBackward); // the kernel never ran
        Assert.InRange(r.TotalSamples, 1, 4 * 4 * 4); // rays that enter the bounds x samples per ray
        Assert.InRange(r.KeptSamples, 0, r.TotalSamples);

        var table = NerfStepBenchmark.Table([r], settings.Config.SkipWeight);
        var lines = table.Split('\n');
        Assert.StartsWith("hash grid |", lines[0]);
        Assert.StartsWith(NerfStepSettings.NameOf(backend), lines[2]);
        Assert.Contains(BenchmarkTable.Ms(t.Total), lines[2]);
    }

    [Fact]
    public void GifStagesFitInTheEncode()
    {
        var r = GifBenchmark.Run(new GifBenchmarkSettings { Frames = 2, Size = 8, Runs = 1, Warmup = 0 });
        foreach (var (v, name) in new[] { (r.Convert, "convert"), (r.Palette, "palette"), (r.Index, "index"), (r.Compress, "lzw"),
            (r.Write, "write"), (r.Total, "total") })
            AssertTime(v, name);
        AssertPartsFit(r.Total, "encode", r.Convert, r.Palette, r.Index, r.Compress, r.Write);
        // the size is the encoder's output for the same frames
        Assert.Equal(GifWriter.Encode(GifBenchmark.Frames(2, 8)).Length, r.Bytes);
        Assert.Contains("median-cut", r.Table());
    }

    [Fact]
    public void RasterStagesFitInTheRender()
    {
        var r = RasterizeBenchmark.Run(new RasterizeBenchmarkSettings
        {
            MeshGrid = 8,
            Size = 16,
            DifferentiableMeshGrid = 10,
            DifferentiableSizes = [12, 20],
            Runs = 1,
            Warmup = 0,
        });
        foreach (var (v, name) in new[] { (r.Setup, "setup"), (r.Rasterize, "z-buffer"), (r.Resolve, "shade"), (r.Total, "total") })
            AssertTime(v, name);
        AssertPartsFit(r.Total, "render", r.Setup, r.Rasterize, r.Resolve);
        Assert.True(r.Triangles > 0);
        Assert.InRange(r.CoveredPixels, 1, 16 * 16);
        Assert.Equal([12, 20], r.Differentiable.Select(d => d.Size));
        Assert.True(r.DifferentiableTriangles > r.Triangles);
        foreach (var d in r.Differentiable)
        {
            foreach (var (v, name) in new[] { (d.Visibility, "z-buffer"), (d.Barycentrics, "barycentrics"), (d.Interpolate, "interpolate"),
                (d.AntialiasAnalysis, "aa analysis"), (d.AntialiasBlend, "aa blend"), (d.Backward, "backward"), (d.Total, "total") })
                AssertTime(v, name);
            AssertPartsFit(d.Total, "differentiable", d.Visibility, d.Barycentrics, d.Interpolate, d.AntialiasAnalysis, d.AntialiasBlend,
                d.Backward);
            Assert.InRange(d.CoveredPixels, 1, d.Size * d.Size);
        }
        var lines = r.Table().Split('\n');
        Assert.Contains("differentiable (forward + backward):", lines);
        Assert.Contains(lines, l => l.StartsWith(r.DifferentiableTriangles + " ") && l.Contains("20x20"));
    }

    [Fact]
    public void MarchingCubesSampleAndExtractMakeTheTotal()
    {
        var r = MarchingCubesBenchmark.Run(new MarchingCubesBenchmarkSettings { Grid = 8, Runs = 1, Warmup = 0 });
        foreach (var (v, name) in new[] { (r.Sample, "sample"), (r.Extract, "extract"), (r.Total, "total") })
            AssertTime(v, name);
        Assert.Equal(r.Total, r.Sample + r.Extract, 9);
        Assert.True(r.Triangles > 0 && r.Vertices > 0);
        var lines = r.Table().Split('\n');
        Assert.Equal(["grid", "sample", "extract", "total", "vertices", "triangles"], lines[0].Split('|').Select(c => c.Trim()));
        Assert.Equal("8^3", lines[2].Split('|')[0].Trim());
    }

    [Fact]
    public void UnwrapBenchmarkReportsTheAtlasItTimed()
    {
        var r = UnwrapBenchmark.Run(new UnwrapBenchmarkSettings { MeshGrid = 8, Resolution = 64, Runs = 1, Warmup = 0 });
        AssertTime(r.Unwrap, "unwrap");
        AssertTime(r.Bake, "bake");
        Assert.True(r.Triangles > 0 && r.Charts > 0 && r.VerticesOut >= r.VerticesIn);
        Assert.InRange(r.Coverage, 0.01, 1);
        Assert.Contains("64^2", r.Table());
    }

    [Fact]
    public void TableAlignsColumnsUnderTheirHeaders()
    {
        var table = BenchmarkTable.Format(["name", "ms"], [["kernel", "1.5"], ["t", "1234.0"]]);
        Assert.Equal("name   |     ms\n-------+-------\nkernel |    1.5\nt      | 1234.0\n", table);
        Assert.Throws<ArgumentException>(() => BenchmarkTable.Format(["a", "b"], [["only one"]]));
    }

    [Fact]
    public void MedianOfOddAndEvenCounts()
    {
        Assert.Equal(2, BenchmarkTable.Median([3, 1, 2]));
        Assert.Equal(2.5, BenchmarkTable.Median([4, 1, 3, 2]));
        Assert.Equal(7, BenchmarkTable.Median([7]));
        Assert.Throws<ArgumentException>(() => BenchmarkTable.Median([]));
    }

    private static (int Code, string Err) Run(params string[] args)
    {
        var root = new RootCommand { BenchmarkCommand.Create() };
        var err = new StringWriter();
        int code = CliHost.Run(root, ["benchmark", .. args], err);
        return (code, err.ToString());
    }

    [Theory]
    [InlineData("gif --frames 0", "frames")]
    [InlineData("gif --size 5000", "size")]
    [InlineData("gif --palette web", "palette")]
    [InlineData("gif --runs 0", "runs")]
    [InlineData("gif --warmup -1", "warmup")]
    [InlineData("rasterize --mesh-grid 3", "mesh_grid")]
    [InlineData("rasterize --supersample 5", "supersample")]
    [InlineData("rasterize --size 0", "size")]
    [InlineData("rasterize --differentiable-mesh-grid 3", "differentiable_mesh_grid")]
    [InlineData("rasterize --differentiable-sizes 0", "differentiable_sizes")]
    [InlineData("marching-cubes --grid 1", "grid")]
    [InlineData("marching-cubes --runs 1001", "runs")]
    [InlineData("unwrap --mesh-grid 3", "mesh_grid")]
    [InlineData("unwrap --resolution 8", "resolution")]
    [InlineData("nerf-step --rays-hw 0", "rays_hw")]
    [InlineData("nerf-step --batch 65", "batch")]
    [InlineData("nerf-step --steps 0", "steps")]
    [InlineData("nerf-step --levels 0", "config.hash_levels")]
    [InlineData("nerf-step --log2-table 30", "config.log2_table_size")]
    [InlineData("nerf-step --level-scale 5", "config.per_level_scale")]
    [InlineData("nerf-step --shading flat", "shading")]
    [InlineData("nerf-step --backend gpu", "backend")]
    [InlineData("nerf-step --threads -1", null)]
    [InlineData("learned-prior --channels 32,60", "channels")]
    [InlineData("learned-prior --batch-size 0", "batch_size")]
    [InlineData("learned-prior --runs 0", "runs")]
    [InlineData("sds-step --resolutions 4", "resolutions")]
    [InlineData("sds-step --steps 0", "steps")]
    [InlineData("mesh-step --resolutions 4", "resolutions")]
    [InlineData("mesh-step --grid-resolution 200", "grid_resolution")]
    [InlineData("serve --iterations 1", "iterations")]
    public void BadOptionsAreOneLineErrors(string args, string? key)
    {
        var words = args.Split(' ');
        var (code, err) = Run(words);
        Assert.Equal(CliHost.UserErrorExit, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        // the settings property named, with the flag that sets it, and the value given
        Assert.StartsWith(key == null ? $"error: {words[1]} {words[2]}:" : $"error: {key} ({words[1]}):", lines[0]);
        Assert.Contains(words[2], lines[0]);
    }

    [Theory]
    [InlineData("gif --frames 2 --size 8 --runs 1 --warmup 0 --palette color-cube --no-dither")]
    [InlineData("rasterize --mesh-grid 6 --size 8 --supersample 2 --differentiable-mesh-grid 6 --differentiable-sizes 8 12 --runs 1 " +
                "--warmup 0")]
    [InlineData("marching-cubes --grid 6 --runs 1 --warmup 0")]
    [InlineData("unwrap --mesh-grid 6 --resolution 32 --runs 1 --warmup 0")]
    [InlineData("nerf-step --rays-hw 2 --samples 2 --levels 1 --log2-table 8 --base-res 2 --width 4 --steps 1 --warmup 0 --backend tensor")]
    [InlineData("learned-prior --channels 8,16 --batch-size 2 --runs 1 --warmup 0")]
    [InlineData("mesh-step --resolutions 16 --grid-resolution 12 --steps 1 --warmup 0")]
    [InlineData("serve --iterations 3 --resolution 16")]
    public void TinyRunsSucceed(string args)
    {
        var (code, err) = Run(args.Split(' '));
        Assert.True(code == 0, err);
        Assert.Equal("", err);
    }

    [Fact]
    public async Task ServeSeesEveryStepOfAPageRunAndTheStepsOfATerminalRun()
    {
        var result = await ServeBenchmark.RunAsync(new ServeBenchmarkSettings { Iterations = 4, Resolution = 16 });
        Assert.Equal(2, result.Rows.Count);
        // the observer reports every step; file notifications may fold several writes into one event
        Assert.Equal(4, result.Rows[0].Events);
        Assert.InRange(result.Rows[1].Events, 1, 4);
        Assert.All(result.Rows, r => Assert.True(r.MedianMs >= 0 && r.MedianMs <= r.P95Ms && r.P95Ms <= r.MaxMs, r.ToString()));
    }
}
