using DreamTime.Models.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Unet;

/// <summary>UNetMidBlock2DCrossAttn: resnet, then (transformer, resnet) pairs.</summary>
public sealed class UNetMidBlock : nn.Module
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Transformer2D> attentions;

    public UNetMidBlock(UNetConfig c, long channels, long timeEmbedDim, Func<Tensor, Tensor> act) : base(nameof(UNetMidBlock))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, 2)
            .Select(_ =>
                new ResnetBlock2D(channels, channels, timeEmbedDim, c.NormNumGroups, c.NormEps, act, c.MidBlockScaleFactor)).ToArray());
        attentions = nn.ModuleList(new Transformer2D(channels, c.AttentionHeads[^1], c.CrossAttentionDim[^1],
            c.TransformerLayersPerBlock[^1],
            c.NormNumGroups, c.UseLinearProjection, false, c.UpcastAttention));
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor timeEmbedding, Tensor context)
    {
        x = resnets[0].Forward(x, timeEmbedding);
        for (int i = 0; i < attentions.Count; i++)
        {
            x = attentions[i].Forward(x, context);
            x = resnets[i + 1].Forward(x, timeEmbedding);
        }
        return x;
    }
}
