using DreamTime.Configuration;
using DreamTime.Diffusion;
using DreamTime.Evaluation;
using DreamTime.Geometry;
using DreamTime.Imaging;
using DreamTime.Rendering;
using DreamTime.Runtime;
using TorchSharp;

namespace DreamTime.Training;

/// <summary>Everything a run leaves besides checkpoints: schedule, mesh, turntable, curves, comparison, metrics.</summary>
public static class RunExports
{
    public static void WriteSchedule(Trainer trainer, RunFolder run)
    {
        var ts = Enumerable.Range(1, trainer.Config.Iterations).Select(trainer.Strategy.TimestepAt).ToArray();
        AtomicFile.WriteAllText(run.ScheduleCsv, ScheduleCsv.Format(ts));
        SchedulePlot.Write(run.SchedulePlot, trainer.Config.Timesteps, trainer.Guidance.Schedule, ts);
    }

    /// <summary>A preview: the training view shadings of a fixed camera, side by side.</summary>
    public static void WritePreview(Trainer trainer, RunFolder run, int step)
    {
        var cam = trainer.Config.Cameras.MidCamera(20, 30);
        var images = new[] { ShadingMode.Diffuse, ShadingMode.Albedo, ShadingMode.Textureless }.Select(s =>
        {
            using var scope = torch.NewDisposeScope();
            return RgbImage.FromTensor(trainer.RenderView(cam, 96, 96, s).Rgb);
        }).ToList();
        ImageIO.SavePng(Path.Combine(run.Previews, $"step_{step:D5}.png"), ImageIO.Grid(images, images.Count));
    }

    /// <summary>Final outputs; returns the summary that becomes metrics.json.</summary>
    public static Dictionary<string, object?> WriteAll(Trainer trainer, RunFolder run, IRunObserver observer)
    {
        var cfg = trainer.Config;
        var history = trainer.History;
        var summary = new Dictionary<string, object?>
        {
            ["prompt"] = cfg.Prompt,
            ["guidance"] = trainer.Config.GuidanceName,
            ["representation"] = cfg.RepresentationName,
            ["strategy"] = cfg.Timesteps.Strategy,
            ["seed"] = cfg.Seed,
            ["iterations"] = trainer.StepReached,
        };
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
            ViewRenderer atTrainingSize = cam => trainer.RenderView(cam, cfg.Height, cfg.Width);
            var (psnr, iou) = trainer.Reference.Evaluate(atTrainingSize);
            summary["input_view_psnr"] = Math.Round(psnr, 3);
            summary["input_view_mask_iou"] = Math.Round(iou, 4);
            ImageIO.SavePng(run.InputView, trainer.Reference.Comparison(atTrainingSize));
        }
        foreach (var milestone in trainer.Evaluator?.Milestones ?? [])
            summary[milestone.Key] = history.FirstOrDefault(h => h.Evaluation?.Metric(milestone.Metric) >= milestone.Value)?.Step;
        summary["train_seconds_total"] = Math.Round(history.Sum(h => h.Seconds), 1);
        summary["seconds_per_step"] = history.Count > 0 ? Math.Round(history.Average(h => h.Seconds), 4) : null;

        var mesh = trainer.Representation.ExtractMesh();
        summary["mesh_vertices"] = mesh.VertexCount;
        summary["mesh_triangles"] = mesh.TriangleCount;
        if (!mesh.IsEmpty)
        {
            GlbWriter.Write(run.Glb, mesh);
            ObjWriter.Write(run.Obj, mesh);
            var views = CameraSampler.EvaluationViews(cfg.Cameras);
            ImageIO.SavePng(run.MeshPreview, MeshRasterizer.Turnaround(mesh, views, 128));
            // The exported mesh itself, scored like the NeRF: rasterised from the evaluation views.
            if (trainer.Evaluator != null)
            {
                using var scope = torch.NewDisposeScope();
                var r = trainer.Evaluator.Evaluate(cam =>
                {
                    var (img, mask) = MeshRasterizer.Render(mesh, cam, cfg.EvalResolution, cfg.EvalResolution, trainer.Light,
                        supersample: 2);
                    return (torch.tensor(img.Pixels, new long[] { img.Height, img.Width, 3 }),
                        torch.tensor(mask, new long[] { img.Height, img.Width }));
                });
                foreach (var (name, value) in r.Metrics) summary["mesh_" + name] = Math.Round(value, 4);
            }
        }
        else observer.Log("warning: the representation has no surface at the mesh threshold; model.glb/model.obj not written");

        WriteTurntable(trainer, run);
        WriteCurves(run.Curves, cfg, history);
        return summary;
    }

    public static void WriteTurntable(Trainer trainer, RunFolder run)
    {
        var cfg = trainer.Config;
        int n = cfg.TurntableFrames, res = cfg.TurntableResolution;
        var frames = new List<RgbImage>();
        var sheet = new ContactSheet(Math.Min(n, 6))
        {
            Title = $"{cfg.Subject} ({cfg.Timesteps.Strategy}, {trainer.StepReached} iterations)",
        };
        var cameras = cfg.Cameras.Ring(n, 20);
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
        using var fig = new PanelFigure(1500, 480, 1, 3) { Title = $"{cfg.Subject} — {cfg.Timesteps.Strategy}, seed {cfg.Seed}" };
        var steps = history.Select(h => (double)h.Step).ToArray();
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
            var evalSteps = evals.Select(h => (double)h.Step).ToArray();
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

    /// <summary>How a plot names a metric: PSNR (dB), mask IoU, or the metric's own name.</summary>
    private static string MetricLabel(string metric) => metric switch { "psnr" => "PSNR (dB)", "mask_iou" => "mask IoU", _ => metric };
}
