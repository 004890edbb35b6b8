using DreamTime.Models.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Unet;

/// <summary>
/// One down block (CrossAttnDownBlock2D or DownBlock2D): resnets, each followed by a transformer when the block
/// has cross attention, then an optional stride-2 downsampler. Every resnet(+transformer) output and the
/// downsampler output are skip connections for the up path.
/// </summary>
public sealed class UNetDownBlock : nn.Module
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Transformer2D>? attentions;
    private readonly ModuleList<Downsample2D>? downsamplers;

    public UNetDownBlock(UNetConfig c, int index, long inChannels, long outChannels, long timeEmbedDim, Func<Tensor, Tensor> act)
        : base(nameof(UNetDownBlock))
    {
        int layers = c.LayersPerBlock[index];
        resnets = nn.ModuleList(Enumerable.Range(0, layers)
            .Select(i =>
                new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, timeEmbedDim, c.NormNumGroups, c.NormEps, act,
                    c.ResnetOutScaleFactor)).ToArray());
        if (c.DownBlockTypes[index] == "CrossAttnDownBlock2D")
            attentions = nn.ModuleList(Enumerable.Range(0, layers)
                .Select(_ =>
                    new Transformer2D(outChannels, c.AttentionHeads[index], c.CrossAttentionDim[index], c.TransformerLayersPerBlock[index],
                    c.NormNumGroups, c.UseLinearProjection, c.OnlyCrossAttention[index], c.UpcastAttention)).ToArray());
        if (index < c.BlockCount - 1)
            downsamplers = nn.ModuleList(new Downsample2D(outChannels, outChannels, c.DownsamplePadding));
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor timeEmbedding, Tensor context, List<Tensor> skips)
    {
        for (int i = 0; i < resnets.Count; i++)
        {
            x = resnets[i].Forward(x, timeEmbedding);
            if (attentions != null) x = attentions[i].Forward(x, context);
            skips.Add(x);
        }
        if (downsamplers != null)
        {
            x = downsamplers[0].Forward(x);
            skips.Add(x);
        }
        return x;
    }
}
