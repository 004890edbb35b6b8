using System.CommandLine;
using DreamTime.Representations.Nerf;
using DreamTime.Runtime;
using DreamTime.Studies.Benchmarks;
using TorchSharp;

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
        cmd.Subcommands.Add(Unwrap());
        cmd.Subcommands.Add(LearnedPrior());
        cmd.Subcommands.Add(SdsStep());
        cmd.Subcommands.Add(MeshStep());
        cmd.Subcommands.Add(Pipeline());
        cmd.Subcommands.Add(Serve());
        return cmd;
    }

    private static Command Serve()
    {
        var d = new ServeBenchmarkSettings();
        var iterations = new Option<int>("--iterations")
        {
            Description = "Steps of each run (2..100000).",
            DefaultValueFactory = _ => d.Iterations,
        };
        var resolution = new Option<int>("--resolution")
        {
            Description = "Side of the training renders (8..512).",
            DefaultValueFactory = _ => d.Resolution,
        };
        var cmd = new Command("serve", "Time how late `serve`'s event stream shows each step: of a run started through the app's form " +
                                       "(from its observer) and of a run trained beside the app, as from a terminal (from file " +
                                       "notifications). Prints the median, 95th percentile and largest delay.");
        foreach (var o in new Option[] { iterations, resolution }) cmd.Options.Add(o);
        cmd.SetAction(async (p, _) =>
        {
            var settings = new ServeBenchmarkSettings { Iterations = p.GetValue(iterations), Resolution = p.GetValue(resolution) };
            settings.Validate();
            Console.WriteLine($"serve: step completion to the event stream, ms; {settings.Iterations} steps per run at " +
                              $"{settings.Resolution}x{settings.Resolution}, {Environment.ProcessorCount} cores");
            Console.Write((await ServeBenchmark.RunAsync(settings)).Table());
            return 0;
        });
        return cmd;
    }

    private static Command Pipeline()
    {
        var d = new PipelineBenchmarkSettings();
        var prompt = new Option<string>("--prompt") { Description = "Prompt of the run.", DefaultValueFactory = _ => d.Prompt };
        var sets = new Option<string[]>("--set")
        {
            Description = "A config.json assignment KEY=VALUE on top of the defaults (repeatable), e.g. stages.*.iterations=50 for a " +
                          "short run.",
            AllowMultipleArgumentsPerToken = false,
        };
        var compare = new Option<int>("--compare-steps")
        {
            Description = "NeRF steps timed with the occupancy grid on and off (1..1000), alternately, from that stage's last checkpoint.",
            DefaultValueFactory = _ => d.CompareSteps,
        };
        var cmd = new Command("pipeline", "Run generate at its defaults (the default pipeline) into a temporary folder and time it: each " +
                                          "stage's step part by part, the time to the exported asset, peak memory, and the NeRF step " +
                                          "with empty-space skipping on and off.");
        foreach (var o in new Option[] { prompt, sets, compare }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var settings = new PipelineBenchmarkSettings
            {
                Prompt = p.GetValue(prompt)!,
                Sets = p.GetValue(sets) ?? [],
                CompareSteps = p.GetValue(compare),
            };
            PipelineBenchmark.ConfigFor(settings);
            Console.WriteLine($"pipeline: generate \"{settings.Prompt}\" at the defaults" +
                              (settings.Sets.Count > 0 ? $" with {string.Join(" ", settings.Sets)}" : "") +
                              $", {Environment.ProcessorCount} cores, {torch.get_num_threads()} torch threads");
            Console.Write(PipelineBenchmark.Table(PipelineBenchmark.Run(settings, Console.Error.WriteLine)));
            return 0;
        });
        return cmd;
    }

    private static Command MeshStep()
    {
        var d = new MeshStepSettings();
        var resolutions = new Option<int[]>("--resolutions")
        {
            Description = "Render sizes to time (8..512), one row each.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => d.Resolutions.ToArray(),
        };
        var grid = new Option<int>("--grid-resolution")
        {
            Description = "Cubes per side of the tetrahedral grid (8..128).",
            DefaultValueFactory = _ => d.GridResolution,
        };
        var prompt = new Option<string>("--prompt") { Description = "Prompt of the built-in prior.", DefaultValueFactory = _ => d.Prompt };
        var steps = new Option<int>("--steps")
        {
            Description = "Timed steps (1..1000); the median is reported.",
            DefaultValueFactory = _ => d.Steps,
        };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first (0..100).", DefaultValueFactory = _ => d.Warmup };
        var cmd = new Command("mesh-step", "Time a mesh stage's training step part by part (marching tetrahedra, the differentiable " +
                                           "rasteriser, texture field, antialiasing, the built-in prior's SDS, backward, Adam).");
        foreach (var o in new Option[] { resolutions, grid, prompt, steps, warmup }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var settings = new MeshStepSettings
            {
                Resolutions = p.GetValue(resolutions)!,
                GridResolution = p.GetValue(grid),
                Prompt = p.GetValue(prompt)!,
                Steps = p.GetValue(steps),
                Warmup = p.GetValue(warmup),
            };
            settings.Validate();
            Console.WriteLine($"mesh-step: a DMTet sphere on a {settings.GridResolution}^3-cube grid, \"{settings.Prompt}\", median of " +
                              $"{settings.Steps} steps after {settings.Warmup} warm-up, {Environment.ProcessorCount} cores, " +
                              $"{torch.get_num_threads()} torch threads");
            Console.Write(MeshStepBenchmark.Table(MeshStepBenchmark.Run(settings)));
            return 0;
        });
        return cmd;
    }

    private static Option<int> RunsOption() => new("--runs")
    {
        Description = "Timed runs (1..1000); every column is the median over them.",
        DefaultValueFactory = _ => 5,
    };
    private static Option<int> WarmupOption() => new("--warmup")
    {
        Description = "Untimed runs first (0..100): JIT compilation, caches.",
        DefaultValueFactory = _ => 1,
    };

    private static Command Gif()
    {
        var d = new GifBenchmarkSettings();
        var frames = new Option<int>("--frames")
        {
            Description = "Frames in the animation (1..1000).",
            DefaultValueFactory = _ => d.Frames,
        };
        var size = new Option<int>("--size")
        {
            Description = "Side of the square frames in pixels (1..4096).",
            DefaultValueFactory = _ => d.Size,
        };
        var palette = new Option<string>("--palette")
        {
            Description = "median-cut (fitted to the frames, as turntables use) or color-cube (fixed).",
            DefaultValueFactory = _ => GifBenchmarkSettings.NameOf(d.Palette),
        };
        var noDither = new Option<bool>("--no-dither")
        {
            Description = "Map colours to the nearest palette entry without ordered dithering.",
        };
        var runs = RunsOption();
        var warmup = WarmupOption();
        var cmd = new Command("gif", "Time GIF encoding of generated frames (smooth gradients with noise) and print the median time of " +
                                     "each stage: float-to-byte conversion, palette, colour indices, LZW, file assembly.");
        foreach (var o in new Option[] { frames, size, palette, noDither, runs, warmup }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var settings = new GifBenchmarkSettings
            {
                Frames = p.GetValue(frames),
                Size = p.GetValue(size),
                Palette = GifBenchmarkSettings.ParsePalette(p.GetValue(palette)!),
                Dither = !p.GetValue(noDither),
                Runs = p.GetValue(runs),
                Warmup = p.GetValue(warmup),
            };
            settings.Validate();
            Console.WriteLine($"gif: ms, median of {settings.Runs} encodes after {settings.Warmup} warm-up, " +
                              $"{Environment.ProcessorCount} cores");
            Console.Write(GifBenchmark.Run(settings).Table());
            return 0;
        });
        return cmd;
    }

    private static Command SdsStep()
    {
        var d = new SdsStepBenchmarkSettings();
        var resolutions = new Option<int[]>("--resolutions")
        {
            Description = "Render sizes to measure (8..512); the learned prior resizes renders to its 32x32.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => d.Resolutions.ToArray(),
        };
        var prompt = new Option<string>("--prompt")
        {
            Description = "Prompt of the runs (built-in prior vocabulary).",
            DefaultValueFactory = _ => d.Prompt,
        };
        var model = new Option<string?>("--model") { Description = "A learned-prior folder instead of the shipped one.", HelpName = "DIR" };
        var steps = new Option<int>("--steps")
        {
            Description = "Timed steps (1..1000); the median is reported.",
            DefaultValueFactory = _ => d.Steps,
        };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first (0..100).", DefaultValueFactory = _ => d.Warmup };
        var cmd = new Command("sds-step", "Time whole text-to-3D training steps with the built-in prior, the learned prior, the learned " +
                                          "prior with a LoRA merged in and VSD on the learned prior (its LoRA trained every step) at " +
                                          "the same render sizes (default configuration otherwise).");
        foreach (var o in new Option[] { resolutions, prompt, model, steps, warmup }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var settings = new SdsStepBenchmarkSettings
            {
                Resolutions = p.GetValue(resolutions)!,
                Prompt = p.GetValue(prompt)!,
                LearnedModel = p.GetValue(model) is string m ? Path.GetFullPath(m) : null,
                Steps = p.GetValue(steps),
                Warmup = p.GetValue(warmup),
            };
            settings.Validate();
            Console.WriteLine($"sds-step: median of {settings.Steps} steps after {settings.Warmup} warm-up, \"{settings.Prompt}\", " +
                              $"{Environment.ProcessorCount} cores, {torch.get_num_threads()} torch threads");
            Console.Write(SdsStepBenchmark.Run(settings).Table());
            return 0;
        });
        return cmd;
    }

    private static Command LearnedPrior()
    {
        var d = new LearnedPriorBenchmarkSettings();
        var channels = new Option<string[]>("--channels")
        {
            Description = "UNet block_out_channels to measure, one comma-separated list per configuration.",
            DefaultValueFactory = _ => d.Channels.Select(c => string.Join(",", c)).ToArray(),
            AllowMultipleArgumentsPerToken = true,
        };
        var batch = new Option<int>("--batch-size")
        {
            Description = "Training batch (1..4096), as `prior train --batch-size`.",
            DefaultValueFactory = _ => d.BatchSize,
        };
        var runs = RunsOption();
        var warmup = WarmupOption();
        var cmd = new Command("learned-prior", "Time `prior train` and the learned prior's use in SDS for each UNet width list: " +
                                               "parameters, rendering a training batch, one update (forward, backward, AdamW, EMA), " +
                                               "and one classifier-free-guided noise prediction (batch 2).");
        foreach (var o in new Option[] { channels, batch, runs, warmup }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var settings = new LearnedPriorBenchmarkSettings
            {
                Channels = p.GetValue(channels)!.Select(DreamTime.LearnedPrior.LearnedPriorConfig.ParseChannels).ToList(),
                BatchSize = p.GetValue(batch),
                Runs = p.GetValue(runs),
                Warmup = p.GetValue(warmup),
            };
            settings.Validate();
            Console.WriteLine($"learned-prior: ms, median of {settings.Runs} runs after {settings.Warmup} warm-up, " +
                              $"{settings.ImageSize}x{settings.ImageSize} RGB, {Environment.ProcessorCount} cores, " +
                              $"{torch.get_num_threads()} torch threads");
            Console.Write(LearnedPriorBenchmark.Run(settings).Table());
            return 0;
        });
        return cmd;
    }

    private static Command Rasterize()
    {
        var d = new RasterizeBenchmarkSettings();
        var meshGrid = new Option<int>("--mesh-grid")
        {
            Description = "Lattice nodes per axis of the ball mesh (4..512); about 6 x grid^2 triangles, ~59,000 at 100.",
            DefaultValueFactory = _ => d.MeshGrid,
        };
        var size = new Option<int>("--size")
        {
            Description = "Side of the square image in pixels (1..4096).",
            DefaultValueFactory = _ => d.Size,
        };
        var supersample = new Option<int>("--supersample")
        {
            Description = "Samples per pixel along each axis (1..4), as turnarounds use 2.",
            DefaultValueFactory = _ => d.Supersample,
        };
        var differentiableMeshGrid = new Option<int>("--differentiable-mesh-grid")
        {
            Description = "Lattice nodes per axis of the differentiable rows' ball mesh (4..512); ~38,000 triangles at 80.",
            DefaultValueFactory = _ => d.DifferentiableMeshGrid,
        };
        var differentiableSizes = new Option<int[]>("--differentiable-sizes")
        {
            Description = "Image sides (1..4096) of the differentiable rasterizer's rows, one row each.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => d.DifferentiableSizes.ToArray(),
        };
        var runs = RunsOption();
        var warmup = WarmupOption();
        var cmd = new Command("rasterize", "Time the mesh rasterizer on one view of a ball mesh and print the median time of each " +
                                           "stage: setup (transform, clip, project), z-buffer, shading; then the differentiable " +
                                           "rasterizer's forward and backward pass (rasterize, interpolate a colour, antialias, a loss, " +
                                           "backward) at each differentiable size.");
        foreach (var o in new Option[] { meshGrid, size, supersample, differentiableMeshGrid, differentiableSizes, runs, warmup })
            cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var settings = new RasterizeBenchmarkSettings
            {
                MeshGrid = p.GetValue(meshGrid),
                Size = p.GetValue(size),
                Supersample = p.GetValue(supersample),
                DifferentiableMeshGrid = p.GetValue(differentiableMeshGrid),
                DifferentiableSizes = p.GetValue(differentiableSizes)!,
                Runs = p.GetValue(runs),
                Warmup = p.GetValue(warmup),
            };
            settings.Validate();
            Console.WriteLine($"rasterize: ms, median of {settings.Runs} renders after {settings.Warmup} warm-up, " +
                              $"{Environment.ProcessorCount} cores, {torch.get_num_threads()} torch threads (CPU tensors)");
            Console.Write(RasterizeBenchmark.Run(settings).Table());
            return 0;
        });
        return cmd;
    }

    private static Command MarchingCubesCommand()
    {
        var d = new MarchingCubesBenchmarkSettings();
        var grid = new Option<int>("--grid")
        {
            Description = "Lattice nodes per axis (2..512); mesh export uses 128 by default.",
            DefaultValueFactory = _ => d.Grid,
        };
        var runs = RunsOption();
        var warmup = WarmupOption();
        var cmd = new Command("marching-cubes", "Time marching cubes on a ball sampled on an n^3 lattice and print the median times of " +
                                                "sampling and extraction.");
        foreach (var o in new Option[] { grid, runs, warmup }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var settings = new MarchingCubesBenchmarkSettings
            {
                Grid = p.GetValue(grid),
                Runs = p.GetValue(runs),
                Warmup = p.GetValue(warmup),
            };
            settings.Validate();
            Console.WriteLine($"marching-cubes: ms, median of {settings.Runs} runs after {settings.Warmup} warm-up, " +
                              $"{Environment.ProcessorCount} cores");
            Console.Write(MarchingCubesBenchmark.Run(settings).Table());
            return 0;
        });
        return cmd;
    }

    private static Command Unwrap()
    {
        var d = new UnwrapBenchmarkSettings();
        var meshGrid = new Option<int>("--mesh-grid")
        {
            Description = "Lattice nodes per axis of the ball mesh (4..512); about 6 x grid^2 triangles, ~50,000 at 92.",
            DefaultValueFactory = _ => d.MeshGrid,
        };
        var resolution = new Option<int>("--resolution")
        {
            Description = "Texels per side of the atlas and the baked texture (16..8192).",
            DefaultValueFactory = _ => d.Resolution,
        };
        var runs = RunsOption();
        var warmup = WarmupOption();
        var cmd = new Command("unwrap", "Time the UV atlas of a marching-cubes ball (charts, projection, packing) and the baking of its " +
                                        "vertex colours into the texture, and print the median times.");
        foreach (var o in new Option[] { meshGrid, resolution, runs, warmup }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var settings = new UnwrapBenchmarkSettings
            {
                MeshGrid = p.GetValue(meshGrid),
                Resolution = p.GetValue(resolution),
                Runs = p.GetValue(runs),
                Warmup = p.GetValue(warmup),
            };
            settings.Validate();
            Console.WriteLine($"unwrap: ms, median of {settings.Runs} runs after {settings.Warmup} warm-up, " +
                              $"{Environment.ProcessorCount} cores");
            Console.Write(UnwrapBenchmark.Run(settings).Table());
            return 0;
        });
        return cmd;
    }

    private static Command NerfStep()
    {
        var d = new NerfConfig();
        var raysHw = new Option<int>("--rays-hw")
        {
            Description = "Render size: an HxH image of rays per camera (1..1024).",
            DefaultValueFactory = _ => 32,
        };
        var batch = new Option<int>("--batch") { Description = "Cameras per step (1..64).", DefaultValueFactory = _ => 1 };
        var samples = new Option<int>("--samples")
        {
            Description = "Samples per ray (1..4096).",
            DefaultValueFactory = _ => d.SamplesPerRay,
        };
        var levels = new Option<int>("--levels") { Description = "Hash-grid levels (1..32).", DefaultValueFactory = _ => d.HashLevels };
        var log2T = new Option<int>("--log2-table")
        {
            Description = "log2 of the hash table size per level (8..24).",
            DefaultValueFactory = _ => d.Log2TableSize,
        };
        var baseRes = new Option<int>("--base-res")
        {
            Description = "Coarsest grid resolution (2..1024).",
            DefaultValueFactory = _ => d.BaseResolution,
        };
        var scale = new Option<double>("--level-scale")
        {
            Description = "Resolution growth per level (1..4).",
            DefaultValueFactory = _ => d.PerLevelScale,
        };
        var width = new Option<int>("--width") { Description = "MLP hidden width (1..1024).", DefaultValueFactory = _ => d.HiddenWidth };
        var shading = new Option<string>("--shading")
        {
            Description = "albedo, diffuse or textureless.",
            DefaultValueFactory = _ => "diffuse",
        };
        var backend = new Option<string>("--backend")
        {
            Description = "Hash-grid implementation: kernel (CPU loops with a custom autograd node), tensor (library ops) or both (one " +
                          "row each).",
            DefaultValueFactory = _ => "both",
        };
        var steps = new Option<int>("--steps")
        {
            Description = "Timed steps (1..1000); every column is the median over them.",
            DefaultValueFactory = _ => 5,
        };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps first (0..100).", DefaultValueFactory = _ => 2 };
        var threads = new Option<int>("--threads")
        {
            Description = "libtorch intra-op threads (0 = leave as is).",
            DefaultValueFactory = _ => 0,
        };
        var kernelThreads = new Option<int>("--kernel-threads")
        {
            Description = "Threads of the hash-grid CPU kernel (0 = one per core).",
            DefaultValueFactory = _ => 0,
        };
        var cmd = new Command("nerf-step", "Time NeRF training steps (forward, backward, Adam) and print the median time of each part.");
        foreach (var o in new Option[]
                 {
                     raysHw, batch, samples, levels, log2T, baseRes, scale, width, shading, backend, steps, warmup, threads,
                     kernelThreads,
                 })
            cmd.Options.Add(o);
        var keys = new (string, Option)[]
        {
            ("config.samples_per_ray", samples), ("config.hash_levels", levels), ("config.log2_table_size", log2T),
            ("config.base_resolution", baseRes), ("config.per_level_scale", scale), ("config.hidden_width", width),
        };
        foreach (var (key, option) in keys) KeyFlags.Add(cmd, key, option);
        cmd.SetAction(p =>
        {
            var settings = new NerfStepSettings
            {
                Config = d with
                {
                    SamplesPerRay = p.GetValue(samples),
                    HashLevels = p.GetValue(levels),
                    Log2TableSize = p.GetValue(log2T),
                    BaseResolution = p.GetValue(baseRes),
                    PerLevelScale = p.GetValue(scale),
                    HiddenWidth = p.GetValue(width),
                },
                RaysHw = p.GetValue(raysHw),
                Batch = p.GetValue(batch),
                Shading = NerfStepSettings.ParseShading(p.GetValue(shading)!),
                Steps = p.GetValue(steps),
                Warmup = p.GetValue(warmup),
            };
            var backends = NerfStepSettings.ParseBackends(p.GetValue(backend)!);
            int nThreads = p.GetValue(threads), nKernel = p.GetValue(kernelThreads);
            if (nThreads < 0) throw new UserError($"--threads {nThreads}: must be >= 0 (0 = leave as is)");
            if (nKernel < 0) throw new UserError($"--kernel-threads {nKernel}: must be >= 0 (0 = one per core)");
            settings.Validate();
            // process-wide settings, so they are applied here and not by the benchmark
            if (nThreads > 0) torch.set_num_threads(nThreads);
            if (nKernel > 0) HashGridEncoding.KernelThreads = nKernel;
            Console.WriteLine(settings.Describe());
            var results = backends.Select(b => NerfStepBenchmark.Run(settings, b)).ToList();
            Console.Write(NerfStepBenchmark.Table(results, settings.Config.SkipWeight));
            return 0;
        });
        return cmd;
    }
}
