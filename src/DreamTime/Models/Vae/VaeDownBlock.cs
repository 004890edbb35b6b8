using DreamTime.Models.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Vae;

/// <summary>DownEncoderBlock2D: resnets, then (except in the last block) a stride-2 conv after right/bottom padding.</summary>
public sealed class VaeDownBlock : nn.Module
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Downsample2D>? downsamplers;

    public VaeDownBlock(long inChannels, long outChannels, int layers, int groups, bool downsample, Func<Tensor, Tensor> act)
        : base(nameof(VaeDownBlock))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, layers).Select(i =>
            new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, null, groups, 1e-6, act)).ToArray());
        if (downsample) downsamplers = nn.ModuleList(new Downsample2D(outChannels, outChannels, 0));
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        foreach (var r in resnets) x = r.Forward(x, null);
        return downsamplers != null ? downsamplers[0].Forward(x) : x;
    }
}
