using DreamTime.Configuration;
using DreamTime.Diffusion;
using DreamTime.Evaluation;
using DreamTime.Geometry;
using DreamTime.Imaging;
using DreamTime.Rendering;
using DreamTime.Representations;
using DreamTime.Runtime;
using TorchSharp;

namespace DreamTime.Training;

/// <summary>Everything a run leaves besides checkpoints: schedule, mesh, turntable, curves, comparison, metrics.</summary>
public static class RunExports
{
    /// <summary>The stage's schedule t(i) as CSV and plot (one pair per stage in a run of several).</summary>
    public static void WriteSchedule(Trainer trainer, RunFolder run)
    {
        var stage = trainer.Stage;
        int n = trainer.Config.Stages.Count;
        var ts = Enumerable.Range(1, stage.Iterations).Select(trainer.Strategy.TimestepAt).ToArray();
        AtomicFile.WriteAllText(RunFolder.ForStage(run.ScheduleCsv, trainer.StageIndex, stage.Name, n), ScheduleCsv.Format(ts));
        SchedulePlot.Write(RunFolder.ForStage(run.SchedulePlot, trainer.StageIndex, stage.Name, n), stage.Timesteps,
            trainer.Guidance.Schedule, ts);
    }

    /// <summary>A preview: the training view shadings of a fixed camera, side by side (after the normal image where the stage's
    /// guidance sees normals); named by the stage in a run of several.</summary>
    public static void WritePreview(Trainer trainer, RunFolder run, int step)
    {
        var name = trainer.Config.Stages.Count > 1
            ? $"{trainer.StageIndex}-{trainer.Stage.Name}_step_{step:D5}.png"
            : $"step_{step:D5}.png";
        var cam = trainer.Config.Cameras.MidCamera(20, 30);
        using var views = trainer.Representation.BeginViews();
        ShadingMode?[] shadings = [ShadingMode.Diffuse, ShadingMode.Albedo, ShadingMode.Textureless];
        if (trainer.Modality == ImageModality.Normal) shadings = [null, .. shadings];
        var images = shadings.Select(s =>
        {
            using var scope = torch.NewDisposeScope();
            return RgbImage.FromTensor(trainer.RenderView(cam, 96, 96, s).Rgb);
        }).ToList();
        ImageIO.SavePng(Path.Combine(run.Previews, name), ImageIO.Grid(images, images.Count));
    }

    /// <summary>Final outputs from the last stage's trainer and the whole run's history; returns the summary that becomes
    /// metrics.json. With particles, particle 0's asset is the run's and particle k's goes to particles/k/.</summary>
    public static Dictionary<string, object?> WriteAll(Trainer trainer, RunFolder run, IRunObserver observer,
        IReadOnlyList<StepRecord> history)
    {
        var cfg = trainer.Config;
        using var views = trainer.Representation.BeginViews();
        var summary = new Dictionary<string, object?>
        {
            ["prompt"] = cfg.Prompt,
            ["pipeline"] = cfg.Pipeline,
            ["guidance"] = trainer.Config.GuidanceName,
            ["representation"] = cfg.RepresentationName(trainer.StageIndex),
            ["strategy"] = cfg.Strategy,
            ["seed"] = cfg.Seed,
            ["iterations"] = history.Count,
        };
        if (cfg.Stages.Count > 1) summary["stages"] = StageSummaries(cfg, history);
        if (trainer.Representation is ParticleSet particles)
        {
            var each = new List<Dictionary<string, object?>>();
            for (int k = 0; k < particles.Count; k++)
            {
                particles.Active = k;
                var asset = WriteAsset(trainer, k == 0 ? run : new RunFolder(run.Particle(k)), observer);
                each.Add(new Dictionary<string, object?> { ["particle"] = k }.Concat(asset).ToDictionary());
            }
            foreach (var (key, value) in each[0].Where(kv => kv.Key != "particle")) summary[key] = value;
            summary["particles"] = each;
            if (each.All(e => e.ContainsKey("nearest_member")))
                summary["particle_distinct_members"] = each.Select(e => e["nearest_member"]).Distinct().Count();
            summary["particle_psnr_between"] = Math.Round(PsnrBetweenParticles(trainer, particles), 3);
            particles.Active = 0;
        }
        else
            foreach (var (key, value) in WriteAsset(trainer, run, observer)) summary[key] = value;
        foreach (var milestone in trainer.Evaluator?.Milestones ?? [])
            summary[milestone.Key] = history.FirstOrDefault(h => h.Evaluation?.Metric(milestone.Metric) >= milestone.Value)?.Step;
        summary["train_seconds_total"] = Math.Round(history.Sum(h => h.Seconds), 1);
        summary["seconds_per_step"] = history.Count > 0 ? Math.Round(history.Average(h => h.Seconds), 4) : null;
        WriteCurves(run.Curves, cfg, history);
        return summary;
    }

    /// <summary>
    /// The mean PSNR between every two particles' renders of the evaluation views: how alike they are (higher = less
    /// diverse), the measure `compare` uses between seeds.
    /// </summary>
    private static double PsnrBetweenParticles(Trainer trainer, ParticleSet particles)
    {
        var cfg = trainer.Config;
        var views = CameraSampler.EvaluationViews(cfg.Cameras);
        var renders = new List<List<float[]>>();
        for (int k = 0; k < particles.Count; k++)
        {
            particles.Active = k;
            using var scope = torch.NewDisposeScope();
            renders.Add(views.Select(cam => RgbImage.FromTensor(trainer.RenderView(cam, cfg.EvalResolution, cfg.EvalResolution).Rgb).Pixels)
                .ToList());
        }
        var pairs = new List<double>();
        for (int a = 0; a < renders.Count; a++)
            for (int b = a + 1; b < renders.Count; b++)
                pairs.Add(renders[a].Zip(renders[b]).Average(p => ImageMetrics.Psnr(p.First, p.Second)));
        return pairs.Average();
    }

    /// <summary>One asset's outputs (the trainer's representation, or its active particle): its evaluation and comparison,
    /// the input view, the exported mesh scored as written, the turntable; returns their summary entries.</summary>
    private static Dictionary<string, object?> WriteAsset(Trainer trainer, RunFolder run, IRunObserver observer)
    {
        var cfg = trainer.Config;
        var summary = new Dictionary<string, object?>();
        var quality = trainer.Evaluate();
        if (quality != null)
        {
            if (quality.Reference != null)
            {
                summary["nearest_member"] = quality.Reference;
                summary["nearest_member_index"] = quality.ReferenceIndex;
            }
            foreach (var (name, value) in quality.Metrics) summary[name] = Math.Round(value, 4);
            using var scope = torch.NewDisposeScope();
            ImageIO.SavePng(run.Comparison,
                trainer.Evaluator!.Comparison(cam => trainer.RenderView(cam, cfg.EvalResolution, cfg.EvalResolution), quality));
        }
        if (trainer.Reference != null)
        {
            summary["image"] = cfg.Reference!.Image;
            // the input picture is in colour whatever the guidance saw
            ViewRenderer atTrainingSize = cam => trainer.RenderView(cam, trainer.Stage.Height, trainer.Stage.Width, ShadingMode.Diffuse);
            var (psnr, iou) = trainer.Reference.Evaluate(atTrainingSize);
            summary["input_view_psnr"] = Math.Round(psnr, 3);
            summary["input_view_mask_iou"] = Math.Round(iou, 4);
            ImageIO.SavePng(run.InputView, trainer.Reference.Comparison(atTrainingSize));
        }
        var mesh = trainer.Asset.ExtractMesh();
        summary["mesh_vertices"] = mesh.VertexCount;
        summary["mesh_triangles"] = mesh.TriangleCount;
        if (!mesh.IsEmpty)
        {
            var views = CameraSampler.EvaluationViews(cfg.Cameras);
            Func<Camera, int, (RgbImage Image, float[] Mask)> draw;
            if (trainer.Asset is ISurfaceMaterial material)
            {
                // a texture field: bake it into a UV atlas, then score the asset as written (read back from model.glb)
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var atlas = UvUnwrap.Unwrap(mesh);
                summary["unwrap_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2);
                summary["texture_charts"] = atlas.ChartCount;
                clock.Restart();
                var baked = TextureBaker.Bake(atlas, material.AlbedoAt, material.RoughnessMetallicAt);
                summary["bake_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 2);
                GlbWriter.Write(run.Glb, baked);
                ObjWriter.Write(run.Obj, baked);
                var exported = GlbReader.ReadTextured(run.Glb);
                draw = (cam, size) => MeshRasterizer.RenderTextured(exported, cam, size, size, trainer.Light, supersample: 2);
                // the texture's fidelity: the exported asset against the trained mesh's own render, view by view
                using var scope = torch.NewDisposeScope();
                summary["texture_fidelity_psnr"] = Math.Round(views.Average(cam =>
                {
                    var own = RgbImage.FromTensor(trainer.RenderView(cam, cfg.EvalResolution, cfg.EvalResolution).Rgb);
                    var (img, _) = draw(cam, cfg.EvalResolution);
                    return ImageMetrics.Psnr(img.Pixels, own.Pixels);
                }), 3);
            }
            else
            {
                GlbWriter.Write(run.Glb, mesh);
                ObjWriter.Write(run.Obj, mesh);
                draw = (cam, size) => MeshRasterizer.Render(mesh, cam, size, size, trainer.Light, supersample: 2);
            }
            ImageIO.SavePng(run.MeshPreview, ImageIO.Grid(views.Select(c => draw(c, 128).Image).ToList(), Math.Min(views.Count, 4)));
            // The exported mesh itself, scored like the representation: rasterised from the evaluation views. The rasteriser
            // draws shaded colours only, so a stage scored on normal images leaves its mesh unscored.
            if (trainer.Evaluator != null && trainer.Modality == ImageModality.Shaded)
            {
                using var scope = torch.NewDisposeScope();
                var r = trainer.Evaluator.Evaluate(cam =>
                {
                    var (img, mask) = draw(cam, cfg.EvalResolution);
                    return (torch.tensor(img.Pixels, new long[] { img.Height, img.Width, 3 }),
                        torch.tensor(mask, new long[] { img.Height, img.Width }));
                });
                foreach (var (name, value) in r.Metrics) summary["mesh_" + name] = Math.Round(value, 4);
            }
        }
        else observer.Log("warning: the representation has no surface at the mesh threshold; model.glb/model.obj not written");

        WriteTurntable(trainer, run);
        return summary;
    }

    public static void WriteTurntable(Trainer trainer, RunFolder run)
    {
        var cfg = trainer.Config;
        int n = cfg.TurntableFrames, res = cfg.TurntableResolution;
        var frames = new List<RgbImage>();
        var sheet = new ContactSheet(Math.Min(n, 6))
        {
            Title = $"{cfg.Subject} ({PipelineLabel(cfg)}, {cfg.Stages.Sum(s => s.Iterations)} iterations)",
        };
        var cameras = cfg.Cameras.Ring(n, 20);
        using var views = trainer.Representation.BeginViews();
        for (int i = 0; i < n; i++)
        {
            using var scope = torch.NewDisposeScope();
            var img = RgbImage.FromTensor(trainer.RenderView(cameras[i], res, res).Rgb);
            frames.Add(img);
            ImageIO.SavePng(Path.Combine(run.Turntable, $"frame_{i:D3}.png"), img);
            if (i % ((n + 11) / 12) == 0) sheet.Add(img, $"az {cameras[i].AzimuthDeg:F0}°");
        }
        GifWriter.Write(run.TurntableGif, frames, new GifOptions { FrameDelayMs = 80 });
        sheet.SavePng(run.TurntableSheet);
    }

    public static void WriteCurves(string path, TrainConfig cfg, IReadOnlyList<StepRecord> history)
    {
        if (history.Count == 0) return;
        using var fig = new PanelFigure(1500, 480, 1, 3) { Title = $"{cfg.Subject} — {PipelineLabel(cfg)}, seed {cfg.Seed}" };
        // one iteration axis over all stages: a stage's steps follow the stages before it
        var offsets = StageOffsets(cfg);
        double Global(StepRecord h) => h.Step + (h.Stage != null && offsets.TryGetValue(h.Stage, out var o) ? o : 0);
        var steps = history.Select(Global).ToArray();
        var a = fig.Panel(0, 0);
        a.Title("SDS loss and timestep");
        a.XLabel("iteration");
        a.YLabel("loss");
        a.UseLogScale();
        a.AddLine("loss", steps, history.Select(h => h.Loss).ToArray()).Opacity = 0.6;
        a.Axes.Right.Label.Text = "timestep t";
        a.AddLine("t", steps, history.Select(h => (double)h.T).ToArray(), secondaryY: true);
        // Evaluation: the run's first metric on the left axis, any others on the right.
        var evals = history.Where(h => h.Evaluation != null).ToList();
        var metrics = evals.SelectMany(h => h.Evaluation!.Metrics.Keys).Distinct().ToList();
        var b = fig.Panel(0, 1);
        b.Title(evals.FirstOrDefault(h => h.Evaluation!.Reference != null) != null ? "Fidelity to the nearest member" : "Evaluation");
        b.XLabel("iteration");
        if (metrics.Count > 0)
        {
            var evalSteps = evals.Select(Global).ToArray();
            b.YLabel(MetricLabel(metrics[0]));
            if (metrics.Count > 1) b.Axes.Right.Label.Text = string.Join(", ", metrics.Skip(1).Select(MetricLabel));
            for (int m = 0; m < metrics.Count; m++)
                b.AddLine(MetricLabel(metrics[m]), evalSteps, evals.Select(h => h.Evaluation!.Metric(metrics[m]) ?? double.NaN).ToArray(),
                          secondaryY: m > 0).MarkerSize = 7;
        }
        var c = fig.Panel(0, 2);
        c.Title("SDS gradient norm");
        c.XLabel("iteration");
        c.YLabel("||w(t)(eps_hat - eps)||");
        c.UseLogScale();
        c.AddLine("grad norm", steps, history.Select(h => h.GradNorm ?? double.NaN).ToArray()).Opacity = 0.6;
        fig.SavePng(path);
    }

    /// <summary>"tp-sds" for a one-stage run, "magic3d: coarse tp-sds, refine tp-sds" for several.</summary>
    public static string PipelineLabel(TrainConfig cfg) =>
        cfg.Stages.Count == 1 ? cfg.Strategy
            : $"{cfg.Pipeline}: " + string.Join(", ", cfg.Stages.Select(s => $"{s.Name} {s.Timesteps.Strategy}"));

    /// <summary>Iterations before each stage, by stage name.</summary>
    public static Dictionary<string, int> StageOffsets(TrainConfig cfg)
    {
        var offsets = new Dictionary<string, int>();
        int sum = 0;
        foreach (var s in cfg.Stages)
        {
            offsets[s.Name] = sum;
            sum += s.Iterations;
        }
        return offsets;
    }

    /// <summary>Per stage: its iterations, time, and first and last evaluation (the stage-switch gap is the difference
    /// between one stage's last and the next one's first).</summary>
    private static List<Dictionary<string, object?>> StageSummaries(TrainConfig cfg, IReadOnlyList<StepRecord> history) =>
        cfg.Stages.Select((s, i) =>
        {
            var records = history.Where(h => h.Stage == s.Name).ToList();
            var evals = records.Where(h => h.Evaluation != null).ToList();
            var d = new Dictionary<string, object?>
            {
                ["name"] = s.Name,
                ["representation"] = cfg.RepresentationName(i),
                ["strategy"] = s.Timesteps.Strategy,
                ["iterations"] = records.Count,
                ["train_seconds"] = Math.Round(records.Sum(h => h.Seconds), 1),
                ["seconds_per_step"] = records.Count > 0 ? Math.Round(records.Average(h => h.Seconds), 4) : null,
            };
            foreach (var (key, rec) in new[] { ("first", evals.FirstOrDefault()), ("last", evals.LastOrDefault()) })
                if (rec != null)
                    foreach (var (metric, value) in rec.Evaluation!.Metrics) d[$"{key}_{metric}"] = Math.Round(value, 4);
            return d;
        }).ToList();

    /// <summary>How a plot names a metric: PSNR (dB), normal PSNR (dB), mask IoU, or the metric's own name.</summary>
    private static string MetricLabel(string metric) => metric switch
    {
        "psnr" => "PSNR (dB)",
        "normal_psnr" => "normal PSNR (dB)",
        "mask_iou" => "mask IoU",
        _ => metric,
    };
}
