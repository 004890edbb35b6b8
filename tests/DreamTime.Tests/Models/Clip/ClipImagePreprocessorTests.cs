using DreamTime.Imaging;
using DreamTime.Models.Clip;
using DreamTime.Runtime;
using DreamTime.Tests.Models.Diffusers;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Clip;

/// <summary>Closed-form properties of the CLIP image preprocessing (resize shortest side, centre crop, normalise).</summary>
public class ClipImagePreprocessorTests
{
    private const int S = 32;

    private static Tensor Normalised(float r, float g, float b) => torch.tensor(new[]
    {
        (r - ClipImagePreprocessor.Mean[0]) / ClipImagePreprocessor.Std[0],
        (g - ClipImagePreprocessor.Mean[1]) / ClipImagePreprocessor.Std[1],
        (b - ClipImagePreprocessor.Mean[2]) / ClipImagePreprocessor.Std[2],
    }).view(1, 3, 1, 1);

    /// <summary>
    /// A constant image stays constant through any interpolation whose weights sum to one, so every output pixel is
    /// (c - mean) / std. The resampling weights are normalised in float32 (sum off by a few ulps) and the
    /// normalisation rounds twice: about 1e-6 on values up to ~2, hence 1e-5.
    /// </summary>
    [Theory]
    [InlineData(40, 60)]   // shrink, landscape
    [InlineData(100, 37)]  // shrink, portrait, odd crop offset
    [InlineData(20, 25)]   // enlarge
    [InlineData(32, 32)]   // already the size
    public void ConstantImageNormalisesToTheClosedFormEverywhere(int h, int w)
    {
        using var scope = NewDisposeScope();
        var (r, g, b) = (0.2f, 0.55f, 0.9f);
        var image = torch.tensor(new[] { r, g, b }).view(3, 1, 1).expand(3, h, w);
        var x = ClipImagePreprocessor.Preprocess(image, S);
        Assert.Equal(new long[] { 1, 3, S, S }, x.shape);
        TinySd.AssertClose(Normalised(r, g, b).expand(1, 3, S, S), x, 1e-5, $"constant {h}x{w}");
    }

    /// <summary>A wide image whose height is already the size is only cropped: the middle S columns, exactly.</summary>
    [Fact]
    public void WideImageAtTheRightHeightIsCentreCroppedWithoutResampling()
    {
        using var scope = NewDisposeScope();
        const int w = 48;
        var cols = ScalarArithmetic.Arange(w, ScalarType.Float32).view(1, 1, w).expand(1, S, w).DividedBy(w - 1);
        var rows = ScalarArithmetic.Arange(S, ScalarType.Float32).view(1, S, 1).expand(1, S, w).DividedBy(S - 1);
        var image = torch.cat(new[] { cols, rows, cols.SubtractedFrom(1) }, 0);
        var x = ClipImagePreprocessor.Preprocess(image, S);
        int left = (w - S) / 2;
        var expected = (image[.., .., left..(left + S)].unsqueeze(0) - torch.tensor(ClipImagePreprocessor.Mean).view(1, 3, 1, 1))
                       / torch.tensor(ClipImagePreprocessor.Std).view(1, 3, 1, 1);
        TinySd.AssertClose(expected, x, 0, "centre crop");
    }

    /// <summary>
    /// A 128x64 picture (red top quarter, green middle half, blue bottom quarter) shrinks to 64x32 and the centre
    /// crop keeps resized rows 16..47, which is exactly the green half. The antialiased bicubic kernel at scale 2
    /// reaches 4 input rows each side, so crop rows 2..29 see only green (exact up to float rounding), while the
    /// first rows take some red and the last some blue: the crop is centred and upright.
    /// </summary>
    [Fact]
    public void TallImageIsShrunkAndItsMiddleKept()
    {
        using var scope = NewDisposeScope();
        var image = torch.zeros(3, 128, 64);
        image[0, 0..32] = 1;
        image[1, 32..96] = 1;
        image[2, 96..] = 1;
        var x = ClipImagePreprocessor.Preprocess(image, S);
        Assert.Equal(new long[] { 1, 3, S, S }, x.shape);
        TinySd.AssertClose(Normalised(0, 1, 0).expand(1, 3, 28, S), x[.., .., 2..30], 1e-5, "rows 2..29");
        var rgb = (x * torch.tensor(ClipImagePreprocessor.Std).view(1, 3, 1, 1))
            .Plus(torch.tensor(ClipImagePreprocessor.Mean).view(1, 3, 1, 1));
        Assert.True(rgb[0, 0, 0].min().item<float>() > 0.05f, "the top row takes no red from above the crop");
        Assert.True(rgb[0, 2, 0].max().item<float>() < 1e-5f, "the top row takes blue");
        Assert.True(rgb[0, 2, S - 1].min().item<float>() > 0.05f, "the bottom row takes no blue from below the crop");
        Assert.True(rgb[0, 0, S - 1].max().item<float>() < 1e-5f, "the bottom row takes red");
    }

    [Fact]
    public void RgbImageGivesTheSameAsItsTensor()
    {
        using var scope = NewDisposeScope();
        var rng = new Random(3);
        var img = new RgbImage(30, 50, Enumerable.Range(0, 30 * 50 * 3).Select(_ => (float)rng.NextDouble()).ToArray());
        var chw = torch.tensor(img.Pixels, new long[] { 30, 50, 3 }).permute(2, 0, 1);
        TinySd.AssertClose(ClipImagePreprocessor.Preprocess(chw, S), ClipImagePreprocessor.Preprocess(img, S), 0, "RgbImage vs tensor");
    }

    [Theory]
    [InlineData(224, 224, 224, 224)]
    [InlineData(480, 640, 224, 298)]  // transformers: int(224 * 640 / 480) = 298
    [InlineData(640, 480, 298, 224)]
    [InlineData(10, 1000, 224, 22400)]
    public void ShortestEdgeRuleRoundsDown(int h, int w, int eh, int ew) =>
        Assert.Equal((eh, ew), ClipImagePreprocessor.ResizedSize(h, w, 224));
}
