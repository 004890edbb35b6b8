using System.Diagnostics;
using DreamTime.Guidance;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Optimization;
using DreamTime.Rendering;
using DreamTime.Representations;
using DreamTime.Representations.Dmtet;
using DreamTime.Runtime;
using DreamTime.Training;
using static TorchSharp.torch;

namespace DreamTime.Studies.Benchmarks;

/// <summary>
/// Times the steps of a mesh stage part by part: marching tetrahedra, the differentiable rasteriser, the texture field
/// and shading, antialiasing, the built-in prior's SDS step, the backward pass and Adam; the trainer's own order.
/// </summary>
public static class MeshStepBenchmark
{
    public static IReadOnlyList<MeshStepRow> Run(MeshStepSettings settings)
    {
        settings.Validate();
        var rows = new List<MeshStepRow>();
        var cameras = new CameraSampler(new CameraRanges(), 0);
        using var guidance = new BuiltinPriorGuidance(settings.Prompt);
        foreach (int res in settings.Resolutions)
        {
            using var mesh = DmtetRepresentation.Create(new DmtetSettings { Init = "sphere", GridResolution = settings.GridResolution },
                0, null, new CameraRanges());
            var optimizer = AdamOptimizer.For(mesh.ParameterGroups);
            var parts = new List<double[]>();
            long triangles = 0;
            for (int step = 1; step <= settings.Warmup + settings.Steps; step++)
            {
                using var scope = NewDisposeScope();
                var timings = new DmtetTimings();
                mesh.Timings = timings;
                var cams = new[] { cameras.ForStep(step) };
                using var noise = Seeds.Generator(0, step, 2);
                var clock = Stopwatch.StartNew();
                optimizer.ZeroGrad();
                var render = mesh.Render(new RenderRequest(cams, res, res, ShadingMode.Diffuse, Lighting.Default));
                double rendered = clock.Elapsed.TotalSeconds;
                var guided = guidance.Step(new GuidanceInput(render, cams, new Conditioning(settings.Prompt), 300, noise));
                var loss = guided.Losses.Values.Concat(mesh.Regularizers(render, step).Values).Aggregate((a, b) => a.Plus(b));
                double guidedAt = clock.Elapsed.TotalSeconds;
                loss.backward();
                double backwardAt = clock.Elapsed.TotalSeconds;
                optimizer.Step();
                double total = clock.Elapsed.TotalSeconds;
                triangles = render.Extra(DmtetRepresentation.SurfaceFacesExtra).shape[0];
                if (step > settings.Warmup)
                    parts.Add([timings.Surface, timings.Rasterize, timings.Texture, timings.Antialias, guidedAt - rendered,
                        backwardAt - guidedAt, total - backwardAt, total]);
                mesh.Timings = null;
            }
            double M(int k) => BenchmarkTable.Median(parts.Select(p => p[k]));
            rows.Add(new MeshStepRow(res, M(0), M(1), M(2), M(3), M(4), M(5), M(6), M(7), triangles,
                TrainingSession.PeakMemoryMiB() ?? double.NaN));
        }
        return rows;
    }

    public static string Table(IReadOnlyList<MeshStepRow> rows) =>
        BenchmarkTable.Format(
            ["image", "triangles", "surface", "rasterize", "texture+shade", "antialias", "guidance", "backward", "adam", "total",
                "peak MiB"],
            rows.Select(r => (IReadOnlyList<string>)[
                $"{r.Resolution}x{r.Resolution}", r.Triangles.ToString(), BenchmarkTable.Ms(r.Surface), BenchmarkTable.Ms(r.Rasterize),
                BenchmarkTable.Ms(r.Texture), BenchmarkTable.Ms(r.Antialias), BenchmarkTable.Ms(r.Guidance), BenchmarkTable.Ms(r.Backward),
                BenchmarkTable.Ms(r.Adam), BenchmarkTable.Ms(r.Total), r.PeakMiB.ToString("F0"),
            ]).ToList()) + "(ms, median; peak = the process's resident peak so far)\n";
}
