using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Evaluation;

/// <summary>
/// The one place PSNR and mask IoU are computed. Images are compared on a peak of 1 (values in [0, 1], or their
/// difference scaled to that range). A perfect match has a finite PSNR: the mean squared error is floored at
/// <see cref="MseFloor"/>, so identical images score <see cref="PerfectMatchPsnr"/> dB, which JSON, tables and
/// averages can carry (infinity cannot). A NaN error stays NaN, so a diverged result is never mistaken for a good one.
/// Masks are binarised at 0.5; two empty masks agree completely (IoU 1).
/// </summary>
public static class ImageMetrics
{
    public const double MseFloor = 1e-10;

    /// <summary>PSNR of a perfect match: 10 log10(1 / <see cref="MseFloor"/>).</summary>
    public const double PerfectMatchPsnr = 100;

    public static double PsnrFromMse(double mse) => 10 * Math.Log10(1 / Math.Max(mse, MseFloor));

    /// <summary>Per-element PSNR of a tensor of mean squared errors, in float64.</summary>
    public static Tensor PsnrFromMse(Tensor mse) => mse.to(ScalarType.Float64).clamp_min(Scalars.Of(MseFloor)).log10().Times(-10);

    public static double MeanSquaredError(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length || a.Length == 0)
            throw new ArgumentException($"images of {a.Length} and {b.Length} values: need the same non-zero size");
        double se = 0;
        for (int k = 0; k < a.Length; k++) { double d = a[k] - b[k]; se += d * d; }
        return se / a.Length;
    }

    /// <summary>PSNR (dB) of two images with values in [0, 1].</summary>
    public static double Psnr(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => PsnrFromMse(MeanSquaredError(a, b));

    /// <summary>IoU of (a &gt; 0.5) and (b &gt; 0.5).</summary>
    public static double MaskIou(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var (intersection, union) = MaskCounts(a, b);
        return IouFromCounts(intersection, union);
    }

    /// <summary>The pixels where both masks are above 0.5, and where either is: summed over views, they give one IoU for several.</summary>
    public static (long Intersection, long Union) MaskCounts(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"masks of {a.Length} and {b.Length} values");
        long intersection = 0, union = 0;
        for (int i = 0; i < a.Length; i++)
        {
            bool x = a[i] > 0.5f, y = b[i] > 0.5f;
            if (x && y) intersection++;
            if (x || y) union++;
        }
        return (intersection, union);
    }

    /// <summary>IoU of (a &gt; 0.5) and (b &gt; 0.5) for tensors of the same shape.</summary>
    public static double MaskIou(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var x = a.gt(Scalars.Of(0.5)); var y = b.gt(Scalars.Of(0.5));
        return IouFromCounts((x & y).sum().item<long>(), (x | y).sum().item<long>());
    }

    public static double IouFromCounts(long intersection, long union) => union == 0 ? 1 : (double)intersection / union;
}
