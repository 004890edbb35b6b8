using System.Diagnostics;
using System.Globalization;
using DreamTime.Configuration;
using DreamTime.Rendering;
using DreamTime.Representations;
using DreamTime.Representations.Dmtet;
using DreamTime.Representations.Nerf;
using DreamTime.Runtime;
using DreamTime.Training;

namespace DreamTime.Studies.Benchmarks;

/// <summary>
/// `benchmark pipeline`: runs `generate` at its defaults into a temporary folder, timing every step of every stage part
/// by part, then times the NeRF step from that stage's last checkpoint with the occupancy grid on and off, alternately,
/// so that the speed-up is a ratio measured on the same machine under the same load.
/// </summary>
public static class PipelineBenchmark
{
    public static PipelineBenchmarkResult Run(PipelineBenchmarkSettings settings, Action<string>? log = null)
    {
        var config = ConfigFor(settings);
        var dir = Directory.CreateTempSubdirectory("dt-bench-pipeline-").FullName;
        var folder = new RunFolder(dir);
        try
        {
            var observer = new TimingObserver(log);
            var clock = Stopwatch.StartNew();
            using (var run = GenerationRun.Start(config, dir, overwrite: true, observer))
            {
                observer.Run = run;
                run.Run(CancellationToken.None);
            }
            double assetSeconds = clock.Elapsed.TotalSeconds;
            double? peak = TrainingSession.PeakMemoryMiB();
            var metrics = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(folder.Metrics))!;
            double? meshPsnr = metrics["mesh_psnr"]?.GetValue<double>();
            var rows = observer.Rows(config);
            var (on, off, queried, occupied) = CompareNerfSteps(config, folder, settings.CompareSteps);
            return new PipelineBenchmarkResult(rows, assetSeconds, peak, on, off, queried, occupied, meshPsnr);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>The run's configuration: the defaults with the prompt and the --set pairs; checks both.</summary>
    public static TrainConfig ConfigFor(PipelineBenchmarkSettings settings)
    {
        settings.Validate();
        var tree = ConfigOverrides.Defaults();
        ConfigOverrides.Set(tree, "prompt", System.Text.Json.Nodes.JsonValue.Create(settings.Prompt), "--prompt");
        foreach (var assignment in settings.Sets) ConfigOverrides.Apply(tree, assignment, "--set");
        var config = TrainConfig.FromJson(tree, "benchmark pipeline");
        config.Validate();
        return config;
    }

    /// <summary>The NeRF stage's last steps again from its final checkpoint, grid on and off alternately.</summary>
    private static (double On, double Off, double Queried, double Occupied) CompareNerfSteps(TrainConfig config, RunFolder folder,
        int steps)
    {
        int index = config.Stages.ToList().FindIndex(s => s.Representation is NerfSettings);
        if (index < 0) throw new UserError("stages", "the pipeline has no NeRF stage to time with and without the occupancy grid");
        var stage = config.Stages[index];
        var nerf = (NerfSettings)stage.Representation;
        var checkpoint = folder.StageCheckpoint(index, stage.Name);
        TrainConfig With(bool grid)
        {
            var stages = config.Stages.ToList();
            stages[index] = stage with { Representation = nerf with { OccupancyGrid = grid } };
            return config with { Stages = stages };
        }
        var device = TorchRuntime.ResolveDevice(config.Device);
        using var withGrid = Trainer.Create(With(true), device, index, null, checkpoint);
        using var without = Trainer.Create(With(false), device, index, null, checkpoint);
        var on = new List<double>();
        var off = new List<double>();
        int first = Math.Max(1, stage.Iterations - steps + 1);
        for (int step = first; step <= stage.Iterations; step++)
        {
            on.Add(withGrid.Step(step).Seconds);
            off.Add(without.Step(step).Seconds);
        }
        var renderer = ((NerfRepresentation)withGrid.Representation).Renderer;
        double occupied = ((NerfRepresentation)withGrid.Representation).Occupancy?.OccupiedFraction ?? 1;
        return (BenchmarkTable.Median(on), BenchmarkTable.Median(off), renderer.QueriedSamples / (double)renderer.TotalSamples, occupied);
    }

    /// <summary>Attaches fresh timings to the current stage's trainer and representation before each step, and keeps each
    /// step's (a step's timings may include an evaluation render; medians leave those few out).</summary>
    private sealed class TimingObserver(Action<string>? log) : IRunObserver
    {
        public GenerationRun? Run { get; set; }
        private readonly Dictionary<int, List<(StepTimings Step, List<(string, double)> Render)>> _samples = [];
        private StepTimings? _step;
        private RenderTimings? _volume;
        private FieldTimings? _field;
        private DmtetTimings? _mesh;
        private int _stage = -1;

        public void Log(string message) => log?.Invoke(message);

        public void StepCompleted(StepRecord record, int last)
        {
            if (Run is null) return;
            var trainer = Run.Trainer;
            if (_step != null && _stage == trainer.StageIndex && _step.Steps == 1)
            {
                var parts = new List<(string, double)>();
                if (_volume != null && _field != null)
                    parts.AddRange([("rays", _volume.Rays), ("encode", _field.Encode), ("mlp", _field.Mlp),
                        ("composite", _volume.Composite)]);
                if (_mesh != null)
                    parts.AddRange([("surface", _mesh.Surface), ("rasterize", _mesh.Rasterize), ("texture", _mesh.Texture),
                        ("antialias", _mesh.Antialias)]);
                if (!_samples.TryGetValue(_stage, out var list)) _samples[_stage] = list = [];
                list.Add((_step, parts));
            }
            _stage = trainer.StageIndex;
            _step = trainer.Timings = new StepTimings();
            _volume = null; _field = null; _mesh = null;
            switch (trainer.Representation)
            {
                case NerfRepresentation nerf:
                    nerf.Renderer.Timings = _volume = new RenderTimings();
                    nerf.Field.Timings = _field = new FieldTimings();
                    break;
                case DmtetRepresentation mesh:
                    mesh.Timings = _mesh = new DmtetTimings();
                    break;
            }
        }

        public IReadOnlyList<PipelineStageRow> Rows(TrainConfig config) => _samples.OrderBy(kv => kv.Key).Select(kv =>
        {
            var stage = config.Stages[kv.Key];
            var list = kv.Value;
            double Median(Func<StepTimings, double> f) => BenchmarkTable.Median(list.Select(x => f(x.Step)));
            var names = list[0].Render.Select(p => p.Item1).ToList();
            var renderParts = names.Select((name, i) => (name, BenchmarkTable.Median(list.Select(x => x.Render[i].Item2)))).ToList();
            double total = list.Sum(x => x.Step.Total);
            return new PipelineStageRow(stage.Name, config.RepresentationName(kv.Key), stage.Iterations, $"{stage.Height}x{stage.Width}",
                Median(t => t.Update), Median(t => t.Render), Median(t => t.Guidance), Median(t => t.Backward), Median(t => t.Optimizer),
                Median(t => t.Total), total / list.Count * stage.Iterations,
                renderParts);
        }).ToList();
    }

    public static string Table(PipelineBenchmarkResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        var table = BenchmarkTable.Format(
            ["stage", "representation", "steps", "size", "update", "render", "guidance", "backward", "loss+adam", "step", "stage s"],
            r.Stages.Select(s => (IReadOnlyList<string>)[
                s.Stage, s.Representation, s.Steps.ToString(inv), s.Size, BenchmarkTable.Ms(s.Update), BenchmarkTable.Ms(s.Render),
                BenchmarkTable.Ms(s.Guidance), BenchmarkTable.Ms(s.Backward), BenchmarkTable.Ms(s.Optimizer), BenchmarkTable.Ms(s.Step),
                s.Seconds.ToString("F1", inv),
            ]).ToList());
        var parts = string.Concat(r.Stages.Select(s =>
            $"{s.Stage} render parts (ms, median): " +
            string.Join(", ", s.RenderParts.Select(p => $"{p.Name} {BenchmarkTable.Ms(p.Seconds)}")) + "\n"));
        return table + "(ms per step, medians; stage s = mean step x steps, without evaluations and exports)\n" + parts +
            $"NeRF step at the end of its stage (median, on and off alternately): occupancy grid on {BenchmarkTable.Ms(r.StepOn)} ms, " +
            $"off {BenchmarkTable.Ms(r.StepOff)} ms: {(r.StepOff / r.StepOn).ToString("F2", inv)}x; density queried for " +
            $"{(100 * r.QueriedFraction).ToString("F1", inv)}% of the samples, {(100 * r.OccupiedFraction).ToString("F1", inv)}% of the " +
            "cells marked\n" +
            $"time to the exported asset: {r.AssetSeconds.ToString("F1", inv)} s (after the build); peak memory " +
            $"{(r.PeakMiB is double m ? m.ToString("F0", inv) + " MiB" : "unknown")}; exported asset " +
            $"{(r.MeshPsnr is double p ? p.ToString("F2", inv) + " dB" : "not scored")} against the nearest member\n";
    }
}
