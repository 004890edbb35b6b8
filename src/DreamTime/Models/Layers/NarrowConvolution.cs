using DreamTime.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Layers;

/// <summary>
/// A Conv2d's forward that trains correctly on every x86-64 CPU. oneDNN's convolution backward returns NaN input
/// gradients for narrow convolutions on AMD Zen 5 (measured at 32x32: 32->3, 8->3, 16->8 and 3->8 channels, one
/// batch in ten to twenty, repeatable for a given input; 8->8, 24->8 and every conv with 16 or more output channels
/// came out finite), which stopped learned-prior trainings at a random step. When a backward will run, convolutions
/// with fewer than <see cref="NarrowChannels"/> output channels are computed as unfold + matmul, the same
/// product through other kernels; inference keeps the library's convolution.
/// </summary>
public static class NarrowConvolution
{
    public const int NarrowChannels = 16;

    public static Tensor Forward(Conv2d conv, Tensor x)
    {
        var w = conv.weight!;
        bool backward = torch.is_grad_enabled() && (w.requires_grad || x.requires_grad);
        if (!backward || conv.out_channels >= NarrowChannels || conv.groups != 1 || conv.padding_mode != PaddingModes.Zeros
            || conv.padding is null)
            return conv.forward(x);
        long kh = w.shape[2], kw = w.shape[3];
        var (s, p, d) = (conv.stride, conv.padding, conv.dilation);
        var columns = nn.functional.unfold(x, (kh, kw), (d[0], d[1]), (p[0], p[1]), (s[0], s[1]));
        var y = w.view(w.shape[0], -1).matmul(columns);
        if (conv.bias is { } b) y = y.Plus(b.view(1, -1, 1));
        long ho = (x.shape[2] + 2 * p[0] - d[0] * (kh - 1) - 1) / s[0] + 1;
        long wo = (x.shape[3] + 2 * p[1] - d[1] * (kw - 1) - 1) / s[1] + 1;
        return y.view(x.shape[0], w.shape[0], ho, wo);
    }
}
