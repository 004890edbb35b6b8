using System.Text;
using System.Text.Json;
using DreamTime.Configuration;
using DreamTime.Training;
using Xunit;
using Xunit.Abstractions;
using static DreamTime.Tests.Training.TrainingTestSupport;

namespace DreamTime.Tests.Training;

public class TrainingEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-e2e-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void BuiltinPriorRunGetsCloserToAMemberAndWritesItsOutputs()
    {
        const int n = 80;
        // Learning rates set here (not the tuned defaults) so that 80 steps at 16x16 go a long way whatever the
        // defaults become; with MLP/background rates of 0.001 this run gained under 1 dB.
        // The tiny field's peak density after 80 steps is ~8, under the default mesh threshold (10): the mesh is
        // taken at 2 here.
        var cfg = (Tiny(n) with { EvalEvery = 40 }).WithNerf(r =>
            r with { LrEncoding = 0.02, LrNetwork = 0.01, LrBackground = 0.01, MeshThreshold = 2 });
        var log = new StringWriter();
        using var trainer = NewTrainer(cfg, Path.Combine(_dir, "run"), evaluator: true);
        var run = trainer.Run;
        RunExports.WriteSchedule(trainer, run);
        var outcome = new TrainingSession(trainer, run, new TextRunObserver(log)) { Export = RunExports.WriteAll }
            .Run(CancellationToken.None);
        output.WriteLine(log.ToString());
        Assert.Equal(SessionOutcome.Completed, outcome);

        var evals = trainer.History.Where(h => h.Evaluation != null).Select(h =>
            (h.Step, h.T, Psnr: h.Evaluation!.Metric("psnr"), MaskIou: h.Evaluation.Metric("mask_iou"),
            Nearest: h.Evaluation.Reference)).ToList();
        foreach (var h in evals) output.WriteLine($"step {h.Step}: t {h.T} psnr {h.Psnr:F2} iou {h.MaskIou:F3} {h.Nearest}");
        Assert.Equal(new[] { 1, 40, 80 }, evals.Select(h => h.Step));
        Assert.True(evals[^1].Psnr > evals[0].Psnr + 5, $"PSNR {evals[0].Psnr:F2} dB at step 1, {evals[^1].Psnr:F2} dB at step {n}");
        Assert.True(evals[^1].MaskIou > 0.6, $"mask IoU {evals[^1].MaskIou:F3} at step {n}");
        Assert.Contains("red cap", evals[^1].Nearest);

        // metrics.json: the final evaluation, the step count, the mesh size
        using var metrics = JsonDocument.Parse(File.ReadAllText(run.Metrics));
        var m = metrics.RootElement;
        foreach (var key in new[] { "nearest_member", "psnr", "mask_iou", "iterations", "mesh_vertices", "mesh_triangles",
            "peak_memory_mib" })
            Assert.True(m.TryGetProperty(key, out _), $"metrics.json lacks '{key}'");
        Assert.Equal(n, m.GetProperty("iterations").GetInt32());
        Assert.Equal(evals[^1].Psnr!.Value, m.GetProperty("psnr").GetDouble(), 2);
        Assert.Equal(evals[^1].Nearest, m.GetProperty("nearest_member").GetString());

        // model.glb: a binary glTF 2.0 whose mesh has as many vertices as reported
        int vertices = m.GetProperty("mesh_vertices").GetInt32();
        output.WriteLine($"mesh at threshold 2: {vertices} vertices, {m.GetProperty("mesh_triangles").GetInt32()} triangles");
        Assert.True(vertices > 0, "empty mesh at threshold 2");
        var glb = File.ReadAllBytes(run.Glb);
        Assert.Equal("glTF", Encoding.ASCII.GetString(glb, 0, 4));
        Assert.Equal(2u, BitConverter.ToUInt32(glb, 4));
        Assert.Equal((uint)glb.Length, BitConverter.ToUInt32(glb, 8));
        int jsonLength = (int)BitConverter.ToUInt32(glb, 12);
        Assert.Equal("JSON", Encoding.ASCII.GetString(glb, 16, 4));
        using var gltf = JsonDocument.Parse(Encoding.UTF8.GetString(glb, 20, jsonLength));
        int position = gltf.RootElement.GetProperty("meshes")[0].GetProperty("primitives")[0].GetProperty("attributes")
            .GetProperty("POSITION").GetInt32();
        Assert.Equal(vertices, gltf.RootElement.GetProperty("accessors")[position].GetProperty("count").GetInt32());
        Assert.True(new FileInfo(run.Obj).Length > 0);

        // schedule.csv: header + one row per iteration, the rows the trainer used
        var rows = File.ReadAllLines(run.ScheduleCsv);
        Assert.Equal(n + 1, rows.Length);
        Assert.Equal("iteration,t", rows[0]);
        Assert.Equal(trainer.History.Select(h => $"{h.Step},{h.T}"), rows.Skip(1));

        // metrics.jsonl: one line per step, in order
        var steps = File.ReadAllLines(run.MetricsLog).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32());
        Assert.Equal(Enumerable.Range(1, n), steps);

        foreach (var file in new[] { run.Curves, run.TurntableGif, run.TurntableSheet, run.Comparison, run.SchedulePlot })
            Assert.True(File.Exists(file) && new FileInfo(file).Length > 0, $"{file} missing");
        Assert.Equal(cfg.TurntableFrames, Directory.GetFiles(run.Turntable, "frame_*.png").Length);
    }

    [Fact]
    public void ConfigJsonRoundTrips()
    {
        foreach (var cfg in new[]
                 {
                     new TrainConfig(),
                     Tiny(7, seed: 11, prompt: "a snowman with a hat").WithStage(s => s with
                     {
                         BatchSize = 3,
                         Timesteps = new DreamTime.Diffusion.TimestepOptions { Strategy = "two-stage", SwitchIteration = 4, Window = 5 },
                     }) with
                     {
                         Guidance = new DreamTime.Guidance.StableDiffusionSettings { Model = "some/sd-folder", GuidanceScale = 7.5,
                             GradClip = 2, ViewDependentPrompt = false },
                         Device = "cuda:1",
                         Cameras = new DreamTime.Rendering.CameraRanges(ElevationMinDeg: 0, DistanceMax: 3),
                     },
                 })
        {
            var json = cfg.ToJson();
            var back = TrainConfig.FromJson(json, "config.json");
            Assert.Equal(cfg, back);
            Assert.Equal(json, back.ToJson());
        }
        Assert.Contains("\"hash_levels\"", new TrainConfig().ToJson());
        // missing keys keep their defaults, also inside sections
        Assert.Equal(new TrainConfig(), TrainConfig.FromJson("{}", "config.json"));
        var partial = TrainConfig.FromJson("{\"stages\": [{\"representation\": {\"type\": \"nerf\", \"field\": {\"hash_levels\": 3}}}]}",
            "config.json");
        Assert.Equal(new DreamTime.Representations.Nerf.NerfConfig() with { HashLevels = 3 },
            ((DreamTime.Representations.NerfSettings)partial.Stages[0].Representation).Field);
    }
}
