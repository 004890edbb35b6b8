using DreamTime.Benchmarks;
using DreamTime.Training;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Representations;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Cli.Commands;

/// <summary>
/// `dreamtime benchmark ...`: speed measurements of the pipeline's parts on this machine, as tables of medians.
/// Timings live here rather than in tests, where a loaded machine would turn them into failures.
/// </summary>
public static class BenchmarkCommand
{
    public static Command Create()
    {
        var cmd = new Command("benchmark", "Measure the speed of parts of the pipeline on this machine.");
        cmd.Subcommands.Add(NerfStep());
        cmd.Subcommands.Add(Gif());
        cmd.Subcommands.Add(Rasterize());
        cmd.Subcommands.Add(MarchingCubesCommand());
        return cmd;
    }

    private static Option<int> RunsOption() => new("--runs") { Description = "Timed runs (1..1000); every column is the median over them.", DefaultValueFactory = _ => 5 };
    private static Option<int> WarmupOption() => new("--warmup") { Description = "Untimed runs first (0..100): JIT compilation, caches.", DefaultValueFactory = _ => 1 };

    private static Command Gif()
    {
        var d = new GifBenchmarkSettings();
        var frames = new Option<int>("--frames") { Description = "Frames in the animation (1..1000).", DefaultValueFactory = _ => d.Frames };
        var size = new Option<int>("--size") { Description = "Side of the square frames in pixels (1..4096).", DefaultValueFactory = _ => d.Size };
        var palette = new Option<string>("--palette") { Description = "median-cut (fitted to the frames, as turntables use) or color-cube (fixed).", DefaultValueFactory = _ => GifBenchmarkSettings.NameOf(d.Palette) };
        var noDither = new Option<bool>("--no-dither") { Description = "Map colours to the nearest palette entry without ordered dithering." };
        var runs = RunsOption();
        var warmup = WarmupOption();
        var cmd = new Command("gif", "Time GIF encoding of generated frames (smooth gradients with noise) and print the median time of each stage: float-to-byte conversion, palette, colour indices, LZW, file assembly.");
        foreach (var o in new Option[] { frames, size, palette, noDither, runs, warmup }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var settings = new GifBenchmarkSettings
            {
                Frames = p.GetValue(frames), Size = p.GetValue(size), Palette = GifBenchmarkSettings.ParsePalette(p.GetValue(palette)!),
                Dither = !p.GetValue(noDither), Runs = p.GetValue(runs), Warmup = p.GetValue(warmup),
            };
            settings.Validate();
            Console.WriteLine($"gif: ms, median of {settings.Runs} encodes after {settings.Warmup} warm-up, {Environment.ProcessorCount} cores");
            Console.Write(GifBenchmark.Run(settings).Table());
            return 0;
        });
        return cmd;
    }

    private static Command Rasterize()
    {
        var d = new RasterizeBenchmarkSettings();
        var meshGrid = new Option<int>("--mesh-grid") { Description = "Lattice nodes per axis of the ball mesh (4..512); about 6 x grid^2 triangles, ~59,000 at 100.", DefaultValueFactory = _ => d.MeshGrid };
        var size = new Option<int>("--size") { Description = "Side of the square image in pixels (1..4096).", DefaultValueFactory = _ => d.Size };
        var supersample = new Option<int>("--supersample") { Description = "Samples per pixel along each axis (1..4), as turnarounds use 2.", DefaultValueFactory = _ => d.Supersample };
        var runs = RunsOption();
        var warmup = WarmupOption();
        var cmd = new Command("rasterize", "Time the mesh rasterizer on one view of a ball mesh and print the median time of each stage: setup (transform, clip, project), z-buffer, shading.");
        foreach (var o in new Option[] { meshGrid, size, supersample, runs, warmup }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var settings = new RasterizeBenchmarkSettings
            {
                MeshGrid = p.GetValue(meshGrid), Size = p.GetValue(size), Supersample = p.GetValue(supersample), Runs = p.GetValue(runs), Warmup = p.GetValue(warmup),
            };
            settings.Validate();
            Console.WriteLine($"rasterize: ms, median of {settings.Runs} renders after {settings.Warmup} warm-up, {Environment.ProcessorCount} cores");
            Console.Write(RasterizeBenchmark.Run(settings).Table());
            return 0;
        });
        return cmd;
    }

    private static Command MarchingCubesCommand()
    {
        var d = new MarchingCubesBenchmarkSettings();
        var grid = new Option<int>("--grid") { Description = "Lattice nodes per axis (2..512); mesh export uses 128 by default.", DefaultValueFactory = _ => d.Grid };
        var runs = RunsOption();
        var warmup = WarmupOption();
        var cmd = new Command("marching-cubes", "Time marching cubes on a ball sampled on an n^3 lattice and print the median times of sampling and extraction.");
        foreach (var o in new Option[] { grid, runs, warmup }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var settings = new MarchingCubesBenchmarkSettings { Grid = p.GetValue(grid), Runs = p.GetValue(runs), Warmup = p.GetValue(warmup) };
            settings.Validate();
            Console.WriteLine($"marching-cubes: ms, median of {settings.Runs} runs after {settings.Warmup} warm-up, {Environment.ProcessorCount} cores");
            Console.Write(MarchingCubesBenchmark.Run(settings).Table());
            return 0;
        });
        return cmd;
    }

    private static Command NerfStep()
    {
        var d = new NerfConfig();
        var raysHw = new Option<int>("--rays-hw") { Description = "Render size: an HxH image of rays per camera.", DefaultValueFactory = _ => 32 };
        var batch = new Option<int>("--batch") { Description = "Cameras per step.", DefaultValueFactory = _ => 1 };
        var samples = new Option<int>("--samples") { Description = "Samples per ray.", DefaultValueFactory = _ => d.SamplesPerRay };
        var levels = new Option<int>("--levels") { Description = "Hash-grid levels.", DefaultValueFactory = _ => d.HashLevels };
        var log2T = new Option<int>("--log2-table") { Description = "log2 of the hash table size per level.", DefaultValueFactory = _ => d.Log2TableSize };
        var baseRes = new Option<int>("--base-res") { Description = "Coarsest grid resolution.", DefaultValueFactory = _ => d.BaseResolution };
        var scale = new Option<double>("--level-scale") { Description = "Resolution growth per level.", DefaultValueFactory = _ => d.PerLevelScale };
        var width = new Option<int>("--width") { Description = "MLP hidden width.", DefaultValueFactory = _ => d.HiddenWidth };
        var shading = new Option<string>("--shading") { Description = "albedo, diffuse or textureless.", DefaultValueFactory = _ => "diffuse" };
        var backend = new Option<string>("--backend") { Description = "Hash-grid implementation: kernel (CPU loops with a custom autograd node), tensor (library ops) or both (one row each).", DefaultValueFactory = _ => "both" };
        var steps = new Option<int>("--steps") { Description = "Timed steps (the median is reported).", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first.", DefaultValueFactory = _ => 2 };
        var threads = new Option<int>("--threads") { Description = "libtorch intra-op threads (0 = leave as is).", DefaultValueFactory = _ => 0 };
        var kernelThreads = new Option<int>("--kernel-threads") { Description = "Threads of the hash-grid CPU kernel (0 = one per core).", DefaultValueFactory = _ => 0 };
        var cmd = new Command("nerf-step", "Time NeRF training steps (forward, backward, Adam) and print the median time of each part.");
        foreach (var o in new Option[] { raysHw, batch, samples, levels, log2T, baseRes, scale, width, shading, backend, steps, warmup, threads, kernelThreads }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            int hw = p.GetValue(raysHw), nb = p.GetValue(batch), nSteps = p.GetValue(steps), nWarm = p.GetValue(warmup), nThreads = p.GetValue(threads);
            if (hw is < 1 or > 1024) throw new UserError($"--rays-hw {hw}: must be in 1..1024");
            if (nb is < 1 or > 64) throw new UserError($"--batch {nb}: must be in 1..64");
            if (nSteps < 1 || nWarm < 0) throw new UserError("--steps must be >= 1 and --warmup >= 0");
            var shadingMode = p.GetValue(shading) switch
            {
                "albedo" => ShadingMode.Albedo, "diffuse" => ShadingMode.Diffuse, "textureless" => ShadingMode.Textureless,
                var s => throw new UserError($"--shading {s}: use albedo, diffuse or textureless"),
            };
            var backends = p.GetValue(backend) switch
            {
                "kernel" => new[] { HashGridBackend.Auto }, "tensor" => new[] { HashGridBackend.TensorOps },
                "both" => new[] { HashGridBackend.TensorOps, HashGridBackend.Auto },
                var s => throw new UserError($"--backend {s}: use kernel, tensor or both"),
            };
            if (nThreads > 0) torch.set_num_threads(nThreads);
            if (p.GetValue(kernelThreads) > 0) HashGridEncoding.KernelThreads = p.GetValue(kernelThreads);
            var cfg = (d with
            {
                SamplesPerRay = p.GetValue(samples), HashLevels = p.GetValue(levels), Log2TableSize = p.GetValue(log2T),
                BaseResolution = p.GetValue(baseRes), PerLevelScale = p.GetValue(scale), HiddenWidth = p.GetValue(width),
            }).Validate();
            Console.WriteLine($"nerf-step: {nb}x{hw}x{hw} rays x {cfg.SamplesPerRay} samples, {cfg.HashLevels} levels x 2^{cfg.Log2TableSize} " +
                              $"(base {cfg.BaseResolution}, scale {cfg.PerLevelScale.ToString(CultureInfo.InvariantCulture)}, finest {cfg.FinestResolution}), " +
                              $"MLP width {cfg.HiddenWidth}, {shadingMode} shading, {torch.get_num_threads()} libtorch threads, {HashGridEncoding.KernelThreads} kernel threads; median of {nSteps} steps after {nWarm} warm-up");
            var rows = backends.Select(b => (b, Measure(cfg, b, hw, nb, shadingMode, nSteps, nWarm))).ToList();
            PrintTable(rows);
            return 0;
        });
        return cmd;
    }

    private sealed record StepTimes(double Rays, double Encode, double Mlp, double Composite, double Backward, double EncodeBackward, double Optimizer, double Total, double Cpu);

    private static StepTimes Measure(NerfConfig cfg, HashGridBackend backend, int hw, int batch, ShadingMode shading, int steps, int warmup)
    {
        var model = new NerfRepresentation(cfg, seed: 0);
        model.Field.Encoding.Backend = backend;
        // The optimizer the trainer uses, so the "adam" column measures what `generate` runs.
        var opt = new AdamOptimizer(model.ParameterGroups().Select(g =>
            new AdamOptimizer.Group(g.Group, g.Params.Select((prm, i) => ($"{g.Group}.{i}", prm)).ToList(), 1e-2)));
        var sampler = new CameraSampler(new CameraRanges(), 0);
        var target = torch.rand(new long[] { batch, hw, hw, 3 }, generator: new Generator(1));
        var samples = new List<StepTimes>();
        for (int step = 0; step < warmup + steps; step++)
        {
            using var scope = torch.NewDisposeScope();
            var cams = Enumerable.Range(0, batch).Select(i => sampler.ForStep(step * batch + i)).ToList();
            var rt = new RenderTimings();
            var ft = new FieldTimings();
            model.Renderer.Timings = rt;
            model.Field.Timings = ft;
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            opt.ZeroGrad();
            using var jitter = new Generator((ulong)step);
            var r = model.Render(cams, hw, hw, shading, Lighting.Default, jitter);
            var loss = (r.Rgb - target).square().mean() + 0.1 * r.OrientationLoss + 0.01 * r.SparsityLoss + 0.01 * r.OpacityEntropyLoss;
            double forward = clock.Elapsed.TotalSeconds;
            double encBwd0 = HashGridEncoding.KernelBackwardSeconds;
            loss.backward();
            double encBwd = HashGridEncoding.KernelBackwardSeconds - encBwd0;
            double backward = clock.Elapsed.TotalSeconds - forward;
            opt.Step();
            double total = clock.Elapsed.TotalSeconds;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            if (step >= warmup)
                samples.Add(new StepTimes(rt.Rays, ft.Encode, ft.Mlp, rt.Composite, backward, encBwd, total - forward - backward, total, cpu));
        }
        double Median(Func<StepTimes, double> f)
        {
            var v = samples.Select(f).OrderBy(x => x).ToArray();
            return v.Length % 2 == 1 ? v[v.Length / 2] : 0.5 * (v[v.Length / 2 - 1] + v[v.Length / 2]);
        }
        Console.WriteLine($"  {(backend == HashGridBackend.Auto ? "kernel" : "tensor")}: appearance computed for {model.Renderer.KeptSamples} of {model.Renderer.TotalSamples} samples in the last step (skip weight {cfg.SkipWeight.ToString(CultureInfo.InvariantCulture)})");
        return new StepTimes(Median(s => s.Rays), Median(s => s.Encode), Median(s => s.Mlp), Median(s => s.Composite),
                             Median(s => s.Backward), Median(s => s.EncodeBackward), Median(s => s.Optimizer), Median(s => s.Total), Median(s => s.Cpu));
    }

    private static void PrintTable(List<(HashGridBackend Backend, StepTimes T)> rows)
    {
        string Ms(double s) => (1000 * s).ToString("F1", CultureInfo.InvariantCulture).PadLeft(9);
        Console.WriteLine($"{"hash grid",-10} |{"rays",9} |{"encode",9} |{"mlp",9} |{"composite",9} |{"backward",9} |{"(enc bwd)",9} |{"adam",9} |{"total",9} |{"cpu",9}   (ms; cpu = process CPU time, all threads)");
        Console.WriteLine(new string('-', 118));
        foreach (var (b, t) in rows)
            Console.WriteLine($"{(b == HashGridBackend.Auto ? "kernel" : "tensor"),-10} |{Ms(t.Rays)} |{Ms(t.Encode)} |{Ms(t.Mlp)} |{Ms(t.Composite)} |{Ms(t.Backward)} |{Ms(t.EncodeBackward)} |{Ms(t.Optimizer)} |{Ms(t.Total)} |{Ms(t.Cpu)}");
    }
}
