using System.Diagnostics;
using System.Globalization;
using DreamTime.Optimization;
using DreamTime.Rendering;
using DreamTime.Representations.Nerf;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Studies.Benchmarks;

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
            var loss = (r.Rgb - target).Squared().mean().Plus(r.Extra(VolumeRenderer.OrientationExtra).Times(0.1))
                .Plus(NerfRegularizers.Sparsity(r.Opacity).Times(0.01)).Plus(NerfRegularizers.OpacityEntropy(r.Opacity).Times(0.01));
            double forward = clock.Elapsed.TotalSeconds;
            double encBwd0 = HashGridEncoding.KernelBackwardSeconds;
            loss.backward();
            double encBwd = HashGridEncoding.KernelBackwardSeconds - encBwd0;
            double backward = clock.Elapsed.TotalSeconds - forward;
            opt.Step();
            double total = clock.Elapsed.TotalSeconds;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            if (step >= settings.Warmup)
                samples.Add(new NerfStepTimes(rt.Rays, ft.Encode, ft.Mlp, rt.Composite, forward, backward, encBwd,
                    total - forward - backward, total, cpu));
        }
        model.Renderer.Timings = null;
        model.Field.Timings = null;
        double Median(Func<NerfStepTimes, double> f) => BenchmarkTable.Median(samples.Select(f));
        var median = new NerfStepTimes(Median(s => s.Rays), Median(s => s.Encode), Median(s => s.Mlp), Median(s => s.Composite),
            Median(s => s.Forward), Median(s => s.Backward), Median(s => s.EncodeBackward), Median(s => s.Optimizer), Median(s => s.Total),
            Median(s => s.Cpu));
        return new NerfStepResult(backend, median, model.Renderer.KeptSamples, model.Renderer.TotalSamples);
    }

    /// <summary>One row per result, times in ms; a line per result with the samples the skip weight left out.</summary>
    public static string Table(IReadOnlyList<NerfStepResult> results, double skipWeight)
    {
        var table = BenchmarkTable.Format(
            ["hash grid", "rays", "encode", "mlp", "composite", "backward", "(enc bwd)", "adam", "total", "cpu"],
            results.Select(r => (IReadOnlyList<string>)[
                NerfStepSettings.NameOf(r.Backend), BenchmarkTable.Ms(r.Median.Rays), BenchmarkTable.Ms(r.Median.Encode),
                BenchmarkTable.Ms(r.Median.Mlp), BenchmarkTable.Ms(r.Median.Composite), BenchmarkTable.Ms(r.Median.Backward),
                BenchmarkTable.Ms(r.Median.EncodeBackward), BenchmarkTable.Ms(r.Median.Optimizer), BenchmarkTable.Ms(r.Median.Total),
                BenchmarkTable.Ms(r.Median.Cpu),
            ]).ToList());
        var notes = results.Select(r =>
            $"{NerfStepSettings.NameOf(r.Backend)}: appearance computed for {r.KeptSamples} of {r.TotalSamples} samples in the last step " +
                $"(skip weight {skipWeight.ToString(CultureInfo.InvariantCulture)})\n");
        return table + "(ms; cpu = process CPU time, all threads)\n" + string.Concat(notes);
    }
}
