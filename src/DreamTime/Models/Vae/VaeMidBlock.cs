using DreamTime.Models.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Vae;

/// <summary>The VAE's UNetMidBlock2D: resnet, single-head spatial self-attention (optional), resnet; eps 1e-6, no time embedding.</summary>
public sealed class VaeMidBlock : nn.Module
{
    private readonly ModuleList<SpatialSelfAttention>? attentions;
    private readonly ModuleList<ResnetBlock2D> resnets;

    public VaeMidBlock(long channels, int groups, bool addAttention, Func<Tensor, Tensor> act) : base(nameof(VaeMidBlock))
    {
        resnets = nn.ModuleList(new ResnetBlock2D(channels, channels, null, groups, 1e-6, act),
            new ResnetBlock2D(channels, channels, null, groups, 1e-6, act));
        if (addAttention) attentions = nn.ModuleList(new SpatialSelfAttention(channels, 1, groups, 1e-6));
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        x = resnets[0].Forward(x, null);
        if (attentions != null) x = attentions[0].Forward(x);
        return resnets[1].Forward(x, null);
    }
}
