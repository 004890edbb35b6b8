using System.Diagnostics;
using System.Globalization;
using DreamTime.Rendering;
using DreamTime.Representations;
using DreamTime.Training;
using TorchSharp;
using static TorchSharp.torch;
using DreamTime.Representations.Nerf;
using DreamTime.Optimization;

namespace DreamTime.Studies.Benchmarks;

/// <summary>What `benchmark nerf-step` trains: a NeRF of <see cref="Config"/> fitting random targets.</summary>
public sealed record NerfStepSettings
{
    public NerfConfig Config { get; init; } = new();
    /// <summary>Render size: an HxH image of rays per camera.</summary>
    public int RaysHw { get; init; } = 32;
    /// <summary>Cameras per step.</summary>
    public int Batch { get; init; } = 1;
    public ShadingMode Shading { get; init; } = ShadingMode.Diffuse;
    /// <summary>Timed steps (every column is the median over them).</summary>
    public int Steps { get; init; } = 5;
    /// <summary>Untimed steps first.</summary>
    public int Warmup { get; init; } = 2;

    public static readonly IReadOnlyDictionary<string, ShadingMode> ShadingNames = new Dictionary<string, ShadingMode>
    {
        ["albedo"] = ShadingMode.Albedo, ["diffuse"] = ShadingMode.Diffuse, ["textureless"] = ShadingMode.Textureless,
    };

    /// <summary>Names of the hash-grid implementations: kernel (CPU loops with a custom autograd node) and tensor (library ops).</summary>
    public static readonly IReadOnlyDictionary<string, HashGridBackend> BackendNames = new Dictionary<string, HashGridBackend>
    {
        ["kernel"] = HashGridBackend.Auto, ["tensor"] = HashGridBackend.TensorOps,
    };

    public static ShadingMode ParseShading(string name) =>
        ShadingNames.TryGetValue(name, out var s) ? s : throw new Runtime.UserError($"--shading {name}: use {string.Join(", ", ShadingNames.Keys)}");

    /// <summary>"kernel", "tensor" or "both" (one row each, tensor first).</summary>
    public static HashGridBackend[] ParseBackends(string name) => name == "both"
        ? [HashGridBackend.TensorOps, HashGridBackend.Auto]
        : BackendNames.TryGetValue(name, out var b) ? [b] : throw new Runtime.UserError($"--backend {name}: use kernel, tensor or both");

    public static string NameOf(HashGridBackend backend) => BackendNames.First(kv => kv.Value == backend).Key;

    public void Validate()
    {
        BenchmarkTable.RequireRange(RaysHw, 1, 1024, "--rays-hw");
        BenchmarkTable.RequireRange(Batch, 1, 64, "--batch");
        BenchmarkTable.RequireRange(Steps, 1, 1000, "--steps");
        BenchmarkTable.RequireRange(Warmup, 0, 100, "--warmup");
        // the config's own checks name its fields; the fields the command exposes are checked first under their option names
        BenchmarkTable.RequireRange(Config.SamplesPerRay, 1, 4096, "--samples");
        BenchmarkTable.RequireRange(Config.HashLevels, 1, 32, "--levels");
        BenchmarkTable.RequireRange(Config.Log2TableSize, 8, 24, "--log2-table");
        BenchmarkTable.RequireRange(Config.BaseResolution, 2, 1024, "--base-res");
        BenchmarkTable.RequireRange(Config.HiddenWidth, 1, 1024, "--width");
        if (!(Config.PerLevelScale is >= 1.0 and <= 4.0))
            throw new Runtime.UserError($"--level-scale {Config.PerLevelScale.ToString(CultureInfo.InvariantCulture)}: must be in [1, 4]");
        Config.Validate();
    }

    /// <summary>One line naming everything that decides the step's cost.</summary>
    public string Describe() =>
        $"nerf-step: {Batch}x{RaysHw}x{RaysHw} rays x {Config.SamplesPerRay} samples, {Config.HashLevels} levels x 2^{Config.Log2TableSize} " +
        $"(base {Config.BaseResolution}, scale {Config.PerLevelScale.ToString(CultureInfo.InvariantCulture)}, finest {Config.FinestResolution}), " +
        $"MLP width {Config.HiddenWidth}, {Shading} shading, {torch.get_num_threads()} libtorch threads, {HashGridEncoding.KernelThreads} kernel threads; " +
        $"median of {Steps} steps after {Warmup} warm-up";
}

/// <summary>
/// Seconds of one training step by part. Rays, Encode, Mlp and Composite are disjoint pieces of Forward;
/// EncodeBackward (the hash-grid kernel's backward node) is a piece of Backward; Forward + Backward + Optimizer = Total.
/// Cpu is the process's CPU time over the step, all threads, so it may exceed Total.
/// </summary>
public sealed record NerfStepTimes(double Rays, double Encode, double Mlp, double Composite, double Forward, double Backward, double EncodeBackward, double Optimizer, double Total, double Cpu);

/// <param name="Median">each part's median over the timed steps (so the medians need not add up exactly)</param>
/// <param name="KeptSamples">samples whose appearance the last step computed (the rest fell under the skip weight)</param>
public sealed record NerfStepResult(HashGridBackend Backend, NerfStepTimes Median, long KeptSamples, long TotalSamples);

/// <summary>Times NeRF training steps (render, loss, backward, the trainer's Adam) part by part.</summary>
public static class NerfStepBenchmark
{
    public static NerfStepResult Run(NerfStepSettings settings, HashGridBackend backend)
    {
        settings.Validate();
        var cfg = settings.Config;
        int hw = settings.RaysHw, batch = settings.Batch;
        using var model = new NerfRepresentation(cfg, seed: 0);
        model.Field.Encoding.Backend = backend;
        // The optimizer the trainer uses, so the "adam" column measures what `generate` runs.
        var opt = AdamOptimizer.For(model.ParameterGroups);
        var sampler = new CameraSampler(new CameraRanges(), 0);
        using var target = torch.rand(new long[] { batch, hw, hw, 3 }, generator: new Generator(1));
        var samples = new List<NerfStepTimes>();
        for (int step = 0; step < settings.Warmup + settings.Steps; step++)
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
            var r = model.Render(cams, hw, hw, settings.Shading, Lighting.Default, jitter);
            var loss = (r.Rgb - target).square().mean() + 0.1 * r.OrientationLoss + 0.01 * r.SparsityLoss + 0.01 * r.OpacityEntropyLoss;
            double forward = clock.Elapsed.TotalSeconds;
            double encBwd0 = HashGridEncoding.KernelBackwardSeconds;
            loss.backward();
            double encBwd = HashGridEncoding.KernelBackwardSeconds - encBwd0;
            double backward = clock.Elapsed.TotalSeconds - forward;
            opt.Step();
            double total = clock.Elapsed.TotalSeconds;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            if (step >= settings.Warmup)
                samples.Add(new NerfStepTimes(rt.Rays, ft.Encode, ft.Mlp, rt.Composite, forward, backward, encBwd, total - forward - backward, total, cpu));
        }
        model.Renderer.Timings = null;
        model.Field.Timings = null;
        double Median(Func<NerfStepTimes, double> f) => BenchmarkTable.Median(samples.Select(f));
        var median = new NerfStepTimes(Median(s => s.Rays), Median(s => s.Encode), Median(s => s.Mlp), Median(s => s.Composite), Median(s => s.Forward),
            Median(s => s.Backward), Median(s => s.EncodeBackward), Median(s => s.Optimizer), Median(s => s.Total), Median(s => s.Cpu));
        return new NerfStepResult(backend, median, model.Renderer.KeptSamples, model.Renderer.TotalSamples);
    }

    /// <summary>One row per result, times in ms; a line per result with the samples the skip weight left out.</summary>
    public static string Table(IReadOnlyList<NerfStepResult> results, double skipWeight)
    {
        var table = BenchmarkTable.Format(
            ["hash grid", "rays", "encode", "mlp", "composite", "backward", "(enc bwd)", "adam", "total", "cpu"],
            results.Select(r => (IReadOnlyList<string>)[
                NerfStepSettings.NameOf(r.Backend), BenchmarkTable.Ms(r.Median.Rays), BenchmarkTable.Ms(r.Median.Encode), BenchmarkTable.Ms(r.Median.Mlp),
                BenchmarkTable.Ms(r.Median.Composite), BenchmarkTable.Ms(r.Median.Backward), BenchmarkTable.Ms(r.Median.EncodeBackward),
                BenchmarkTable.Ms(r.Median.Optimizer), BenchmarkTable.Ms(r.Median.Total), BenchmarkTable.Ms(r.Median.Cpu),
            ]).ToList());
        var notes = results.Select(r =>
            $"{NerfStepSettings.NameOf(r.Backend)}: appearance computed for {r.KeptSamples} of {r.TotalSamples} samples in the last step (skip weight {skipWeight.ToString(CultureInfo.InvariantCulture)})\n");
        return table + "(ms; cpu = process CPU time, all threads)\n" + string.Concat(notes);
    }
}
