using DreamTime.Imaging;
using DreamTime.Rendering;

namespace DreamTime.Evaluation;

/// <summary>
/// The built-in prior's ground truth: nearest member, PSNR and mask IoU over the evaluation views. In the normal
/// modality the PSNR is of normal images and is named "normal_psnr", so that it is never read as a colour PSNR.
/// </summary>
public sealed class PriorQualityEvaluator(PriorEvaluation evaluation) : IQualityEvaluator
{
    public PriorEvaluation Evaluation { get; } = evaluation;

    /// <summary>The name of the PSNR metric: "psnr" of shaded colours, "normal_psnr" of normal images.</summary>
    public string PsnrMetric { get; } = PsnrMetricOf(evaluation.Modality);

    public static string PsnrMetricOf(ImageModality modality) => modality == ImageModality.Normal ? "normal_psnr" : "psnr";

    public QualityResult Evaluate(ViewRenderer render)
    {
        var r = Evaluation.Evaluate(cam => render(cam));
        return new QualityResult(new Dictionary<string, double> { [PsnrMetric] = r.Psnr, ["mask_iou"] = r.MaskIoU }, r.NearestName,
            r.NearestIndex);
    }

    /// <summary>20 dB: the member's shape (and in colour its colours) are there; 25 dB: its details are. The first
    /// milestone's metric is the headline metric a comparison reads.</summary>
    public IReadOnlyList<QualityMilestone> Milestones => [new(PsnrMetric, 20), new(PsnrMetric, 25)];

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
