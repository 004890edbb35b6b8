using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Layers;

/// <summary>A stride-2 3x3 conv; with padding 0 the input is first padded
/// by one on the right and bottom (as diffusers' VAE does).</summary>
public sealed class Downsample2D : nn.Module
{
    private readonly Conv2d conv;
    private readonly long _padding;

    public Downsample2D(long channels, long outChannels, long padding) : base(nameof(Downsample2D))
    {
        conv = nn.Conv2d(channels, outChannels, 3, stride: 2, padding: padding);
        _padding = padding;
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        if (_padding == 0) x = nn.functional.pad(x, new long[] { 0, 1, 0, 1 }, PaddingModes.Constant, 0);
        return NarrowConvolution.Forward(conv, x);
    }
}
