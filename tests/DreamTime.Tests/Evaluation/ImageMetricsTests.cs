using DreamTime.Evaluation;
using TorchSharp;
using Xunit;

namespace DreamTime.Tests.Evaluation;

public class ImageMetricsTests
{
    [Fact]
    public void PsnrOfAConstantOffsetIsItsClosedForm()
    {
        // an offset of 0.1 everywhere: MSE 0.01, PSNR 10 log10(1 / 0.01) = 20 dB
        var a = Enumerable.Repeat(0.3f, 48).ToArray();
        var b = a.Select(x => x + 0.1f).ToArray();
        Assert.Equal(20, ImageMetrics.Psnr(a, b), 4);
        Assert.Equal(0.01, ImageMetrics.MeanSquaredError(a, b), 6);
    }

    [Fact]
    public void APerfectMatchScoresTheDocumentedFiniteCeiling()
    {
        var a = new[] { 0.2f, 0.7f, 1f };
        Assert.Equal(ImageMetrics.PerfectMatchPsnr, ImageMetrics.Psnr(a, a));
        Assert.Equal(ImageMetrics.PerfectMatchPsnr, 10 * Math.Log10(1 / ImageMetrics.MseFloor), 9);
        using var zero = torch.zeros(3);
        Assert.Equal(ImageMetrics.PerfectMatchPsnr, ImageMetrics.PsnrFromMse(zero).max().item<double>(), 9);
    }

    [Fact]
    public void ANonFiniteErrorIsNeverAGoodScore()
    {
        Assert.True(double.IsNaN(ImageMetrics.PsnrFromMse(double.NaN)));
        Assert.True(double.IsNaN(ImageMetrics.Psnr(new[] { float.NaN }, new[] { 0f })));
    }

    [Fact]
    public void TensorAndSpanFormsAgree()
    {
        var gen = new Random(3);
        var mse = Enumerable.Range(0, 5).Select(_ => gen.NextDouble() * 0.1).ToArray();
        using var t = torch.tensor(mse);
        var fromTensor = ImageMetrics.PsnrFromMse(t).data<double>().ToArray();
        for (int i = 0; i < mse.Length; i++) Assert.Equal(ImageMetrics.PsnrFromMse(mse[i]), fromTensor[i], 9);

        var a = Enumerable.Range(0, 64).Select(_ => (float)gen.NextDouble()).ToArray();
        var b = Enumerable.Range(0, 64).Select(_ => (float)gen.NextDouble()).ToArray();
        using var ta = torch.tensor(a); using var tb = torch.tensor(b);
        Assert.Equal(ImageMetrics.MaskIou(a, b), ImageMetrics.MaskIou(ta, tb), 12);
    }

    [Fact]
    public void MaskIouCountsPixelsAboveOneHalf()
    {
        // a: pixels 0-3 set; b: pixels 2-5 set -> intersection 2, union 6
        var a = new[] { 1f, 0.9f, 0.6f, 0.51f, 0.5f, 0f };
        var b = new[] { 0f, 0.2f, 1f, 1f, 0.7f, 0.8f };
        Assert.Equal(2.0 / 6, ImageMetrics.MaskIou(a, b), 12);
        Assert.Equal(1, ImageMetrics.MaskIou(new[] { 0f, 0.5f }, new[] { 0.1f, 0f }));
    }
}
