using DreamTime.Evaluation;
using DreamTime.Guidance;
using DreamTime.Imaging;
using DreamTime.Rendering;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Training;

/// <summary>
/// Direct supervision of the input view in image-to-3D, as threestudio's zero123 system and Magic123 do: the
/// render from the input camera against the picture (composited over the render's own background, so only the
/// object's pixels are asked for) and its opacity against the picture's mask, both mean squared errors.
/// </summary>
public sealed class ReferenceViewLoss(ReferenceView view, double lambdaRgb, double lambdaMask) : IDisposable
{
    public ReferenceView View { get; } = view;
    public double LambdaRgb { get; } = lambdaRgb;
    public double LambdaMask { get; } = lambdaMask;
    public bool Active => LambdaRgb > 0 || LambdaMask > 0;

    /// <summary>"ref_rgb" and "ref_mask" (weighted) for a render [1,H,W,*] of
    /// <see cref="ReferenceView.Camera"/> at the picture's size.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> Losses(RenderOutput render)
    {
        var device = render.Rgb.device;
        var mask = View.Mask.to(device).unsqueeze(0).unsqueeze(-1);
        var target = (View.Image.to(device).unsqueeze(0) * mask).Plus(render.Background * mask.SubtractedFrom(1));
        if (LambdaRgb > 0) yield return new("ref_rgb", nn.functional.mse_loss(render.Rgb, target).Times(LambdaRgb));
        if (LambdaMask > 0) yield return new("ref_mask", nn.functional.mse_loss(render.Opacity, mask).Times(LambdaMask));
    }

    /// <summary>PSNR (dB) of a render of the input camera against the picture over
    /// white, and IoU of (opacity &gt; 0.5) against (mask &gt; 0.5).</summary>
    public (double Psnr, double MaskIou) Evaluate(ViewRenderer render)
    {
        using var scope = torch.NewDisposeScope();
        var (rgb, opacity) = render(View.Camera);
        var image = View.Image.to(float64); var mask = View.Mask.to(float64);
        if (!rgb.shape.SequenceEqual(image.shape))
            throw new ArgumentException($"render of the input view is [{string.Join(",", rgb.shape)}], " +
                $"the picture [{string.Join(",", image.shape)}]");
        double mse = (rgb.to(float64).clamp(Scalars.Of(0), Scalars.Of(1)) - image).Squared().mean().item<double>();
        return (ImageMetrics.PsnrFromMse(mse), ImageMetrics.MaskIou(opacity, mask));
    }

    /// <summary>The picture beside a render of the input camera.</summary>
    public RgbImage Comparison(ViewRenderer render)
    {
        using var scope = torch.NewDisposeScope();
        return ImageIO.Grid(new[] { RgbImage.FromTensor(View.Image), RgbImage.FromTensor(render(View.Camera).Rgb) }, 2, scale: 2);
    }

    public void Dispose()
    {
        View.Image.Dispose();
        View.Mask.Dispose();
    }
}
