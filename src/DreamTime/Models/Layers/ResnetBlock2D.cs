using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Layers;

/// <summary>
/// diffusers' ResnetBlock2D with the "default" time-embedding mode: GroupNorm, act, conv, plus the projected
/// time embedding (when there is one), GroupNorm, act, conv; a 1x1 conv shortcut when the channel count changes;
/// (input + h) / output_scale_factor.
/// </summary>
public sealed class ResnetBlock2D : nn.Module
{
    private readonly GroupNorm norm1;
    private readonly Conv2d conv1;
    private readonly Linear? time_emb_proj;
    private readonly GroupNorm norm2;
    private readonly Conv2d conv2;
    private readonly Conv2d? conv_shortcut;
    private readonly Func<Tensor, Tensor> _act;
    private readonly double _outputScale;

    public ResnetBlock2D(long inChannels, long outChannels, long? timeEmbedChannels, int groups, double eps, Func<Tensor, Tensor> act, double outputScale = 1.0)
        : base(nameof(ResnetBlock2D))
    {
        norm1 = nn.GroupNorm(groups, inChannels, eps);
        conv1 = nn.Conv2d(inChannels, outChannels, 3, padding: 1);
        if (timeEmbedChannels is long te) time_emb_proj = nn.Linear(te, outChannels);
        norm2 = nn.GroupNorm(groups, outChannels, eps);
        conv2 = nn.Conv2d(outChannels, outChannels, 3, padding: 1);
        if (inChannels != outChannels) conv_shortcut = nn.Conv2d(inChannels, outChannels, 1);
        _act = act;
        _outputScale = outputScale;
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor? timeEmbedding)
    {
        var h = NarrowConvolution.Forward(conv1, _act(norm1.forward(x)));
        if (time_emb_proj != null && timeEmbedding is not null)
            h = h + time_emb_proj.forward(_act(timeEmbedding)).unsqueeze(-1).unsqueeze(-1);
        h = NarrowConvolution.Forward(conv2, _act(norm2.forward(h)));
        var shortcut = conv_shortcut != null ? NarrowConvolution.Forward(conv_shortcut, x) : x;
        var sum = shortcut + h;
        return _outputScale == 1.0 ? sum : sum / _outputScale;
    }
}

/// <summary>A stride-2 3x3 conv; with padding 0 the input is first padded by one on the right and bottom (as diffusers' VAE does).</summary>
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
