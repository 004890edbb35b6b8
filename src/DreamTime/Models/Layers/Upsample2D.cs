using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Layers;

/// <summary>Nearest-neighbour upsampling (to twice the size, or to a given size) followed by a 3x3 conv.</summary>
public sealed class Upsample2D : nn.Module
{
    private readonly Conv2d conv;

    public Upsample2D(long channels, long outChannels) : base(nameof(Upsample2D))
    {
        conv = nn.Conv2d(channels, outChannels, 3, padding: 1);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, long[]? size = null)
    {
        var up = size == null
            ? nn.functional.interpolate(x, scale_factor: new double[] { 2.0, 2.0 }, mode: InterpolationMode.Nearest)
            : nn.functional.interpolate(x, size: size, mode: InterpolationMode.Nearest);
        return NarrowConvolution.Forward(conv, up);
    }
}
