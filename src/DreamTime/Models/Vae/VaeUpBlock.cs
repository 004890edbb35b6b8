using DreamTime.Models.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Vae;

/// <summary>UpDecoderBlock2D: resnets, then (except in the last block) nearest 2x upsampling and a conv.</summary>
public sealed class VaeUpBlock : nn.Module
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Upsample2D>? upsamplers;

    public VaeUpBlock(long inChannels, long outChannels, int layers, int groups, bool upsample, Func<Tensor, Tensor> act)
        : base(nameof(VaeUpBlock))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, layers).Select(i =>
            new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, null, groups, 1e-6, act)).ToArray());
        if (upsample) upsamplers = nn.ModuleList(new Upsample2D(outChannels, outChannels));
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        foreach (var r in resnets) x = r.Forward(x, null);
        return upsamplers != null ? upsamplers[0].Forward(x) : x;
    }
}
