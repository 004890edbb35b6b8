using DreamTime.Runtime;
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

    public ResnetBlock2D(long inChannels, long outChannels, long? timeEmbedChannels, int groups, double eps, Func<Tensor, Tensor> act,
        double outputScale = 1.0)
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
            h = h.Plus(time_emb_proj.forward(_act(timeEmbedding)).unsqueeze(-1).unsqueeze(-1));
        h = NarrowConvolution.Forward(conv2, _act(norm2.forward(h)));
        var shortcut = conv_shortcut != null ? NarrowConvolution.Forward(conv_shortcut, x) : x;
        var sum = shortcut.Plus(h);
        return _outputScale == 1.0 ? sum : sum.DividedBy(_outputScale);
    }
}
