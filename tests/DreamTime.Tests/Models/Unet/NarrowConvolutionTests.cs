using DreamTime.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Unet;

public class NarrowConvolutionTests
{
    /// <summary>The unfolded form is the convolution: its output and gradients equal float64 conv2d's (another code path).</summary>
    [Theory]
    [InlineData(32, 3, 3, 1, 1)]
    [InlineData(16, 8, 3, 2, 1)]
    [InlineData(3, 8, 3, 1, 1)]
    [InlineData(24, 8, 1, 1, 0)]
    public void UnfoldedConvolutionMatchesConv2dWithItsGradients(int cin, int cout, int k, int stride, int padding)
    {
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(cin, cout, k, stride: stride, padding: padding);
        using var gen = Seeds.Generator(cin, cout, k);
        var x = randn(new long[] { 3, cin, 17, 16 }, generator: gen).requires_grad_();
        var y = DreamTime.Models.Layers.NarrowConvolution.Forward(conv, x);
        var g = randn(y.shape, generator: gen);
        (y * g).sum().backward();

        var x64 = x.detach().to(ScalarType.Float64).requires_grad_();
        var w64 = conv.weight!.detach().to(ScalarType.Float64).requires_grad_();
        var y64 = nn.functional.conv2d(x64, w64, conv.bias!.detach().to(ScalarType.Float64), strides: new long[] { stride, stride },
            padding: new long[] { padding, padding });
        (y64 * g.to(ScalarType.Float64)).sum().backward();
        Assert.Equal(y64.shape, y.shape);
        // float32 sums of at most 288 products of unit-scale values: errors of order 1e-6
        Assert.True((y.to(ScalarType.Float64) - y64).abs().max().item<double>() < 1e-4);
        Assert.True((x.grad!.to(ScalarType.Float64) - x64.grad!).abs().max().item<double>() < 1e-4);
        Assert.True((conv.weight!.grad!.to(ScalarType.Float64) - w64.grad!).abs().max().item<double>() < 1e-3);
    }
}
