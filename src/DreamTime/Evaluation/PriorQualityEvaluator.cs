using DreamTime.Imaging;

namespace DreamTime.Evaluation;

/// <summary>The built-in prior's ground truth: nearest member, PSNR and mask IoU over the evaluation views.</summary>
public sealed class PriorQualityEvaluator(PriorEvaluation evaluation) : IQualityEvaluator
{
    public PriorEvaluation Evaluation { get; } = evaluation;

    public QualityResult Evaluate(ViewRenderer render)
    {
        var r = Evaluation.Evaluate(cam => render(cam));
        return new QualityResult(new Dictionary<string, double> { ["psnr"] = r.Psnr, ["mask_iou"] = r.MaskIoU }, r.NearestName,
            r.NearestIndex);
    }

    /// <summary>20 dB: the member's shape and colours are there; 25 dB: its details are.</summary>
    public IReadOnlyList<QualityMilestone> Milestones { get; } = [new("psnr", 20), new("psnr", 25)];

    /// <summary>Top row: the result from the evaluation views; bottom row: the nearest member from the same views.</summary>
    public RgbImage Comparison(ViewRenderer render, QualityResult result)
    {
        var top = Evaluation.Views.Select(v => RgbImage.FromTensor(render(v).Rgb)).ToList();
        var bottom = Evaluation.MemberImages.Select(images =>
            new RgbImage(images[result.ReferenceIndex].Height, images[result.ReferenceIndex].Width,
                images[result.ReferenceIndex].Rgb)).ToList();
        return ImageIO.Grid(top.Concat(bottom).ToList(), top.Count, scale: 2);
    }
}
