using DreamTime.Diffusion;
using DreamTime.Guidance;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Guidance.StableDiffusion;
using DreamTime.Imaging;
using DreamTime.Models.Diffusers;
using DreamTime.Rendering;
using static TorchSharp.torch;

namespace DreamTime.Training;

/// <summary>Builds the guidance a configuration names, and the ground-truth evaluator where one exists.</summary>
public static class GuidanceFactory
{
    public static (IGuidance Guidance, IQualityEvaluator? Evaluator) Create(TrainConfig cfg, Device device)
    {
        var weighting = ScoreDistillation.ParseWeighting(cfg.Weighting);
        if (cfg.Model == null)
        {
            var options = new BuiltinPriorOptions
            {
                GuidanceScale = cfg.GuidanceScale ?? BuiltinPriorOptions.DefaultGuidanceScale,
                Weighting = weighting,
                GradClip = cfg.GradClip,
                Schedule = new NoiseSchedule(cfg.BetaSchedule),
            };
            var guidance = new BuiltinPriorGuidance(cfg.Prompt, options);
            var views = CameraSampler.EvaluationViews(cfg.Cameras);
            return (guidance, new PriorQualityEvaluator(new PriorEvaluation(guidance.Selection.Members, views, cfg.EvalResolution, cfg.EvalResolution)));
        }
        var pipeline = StableDiffusionPipeline.Load(cfg.Model, device, preferFp16Variant: device.type == TorchSharp.DeviceType.CUDA);
        try
        {
            return (new StableDiffusionGuidance(pipeline, new StableDiffusionGuidanceOptions
            {
            Prompt = cfg.Prompt,
            NegativePrompt = cfg.NegativePrompt,
            GuidanceScale = cfg.GuidanceScale ?? 100,
            Weighting = weighting,
            GradClip = cfg.GradClip,
            ViewDependentPrompt = cfg.ViewDependentPrompt,
            }, ownsPipeline: true), null);
        }
        catch
        {
            pipeline.Dispose();
            throw;
        }
    }
}

/// <summary>Adapts the built-in prior's evaluation (nearest member, PSNR, mask IoU) to the trainer.</summary>
public sealed class PriorQualityEvaluator(PriorEvaluation evaluation) : IQualityEvaluator
{
    public PriorEvaluation Evaluation { get; } = evaluation;

    public QualityResult Evaluate(Func<Camera, (Tensor Rgb, Tensor Opacity)> render)
    {
        var r = Evaluation.Evaluate(render);
        return new QualityResult(r.NearestName, r.NearestIndex, r.Psnr, r.MaskIoU);
    }

    /// <summary>Top row: the result from the evaluation views; bottom row: the nearest member from the same views.</summary>
    public RgbImage Comparison(Func<Camera, (Tensor Rgb, Tensor Opacity)> render, int nearest)
    {
        var top = Evaluation.Views.Select(v => RgbImage.FromTensor(render(v).Rgb)).ToList();
        var bottom = Evaluation.MemberImages.Select(images => new RgbImage(images[nearest].Height, images[nearest].Width, images[nearest].Rgb)).ToList();
        return ImageIO.Grid(top.Concat(bottom).ToList(), top.Count, scale: 2);
    }
}
