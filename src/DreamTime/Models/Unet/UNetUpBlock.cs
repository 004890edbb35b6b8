using DreamTime.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Unet;

/// <summary>
/// One up block (CrossAttnUpBlock2D or UpBlock2D): layers_per_block + 1 resnets, each taking the previous output
/// concatenated with the latest skip connection, each followed by a transformer when the block has cross
/// attention, then an optional nearest-neighbour upsampler.
/// </summary>
public sealed class UNetUpBlock : nn.Module
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Transformer2D>? attentions;
    private readonly ModuleList<Upsample2D>? upsamplers;

    public int ResnetCount => resnets.Count;

    /// <param name="index">position among the up blocks (0 = deepest)</param>
    public UNetUpBlock(UNetConfig c, int index, long inChannels, long outChannels, long prevOutChannels, long timeEmbedDim,
        Func<Tensor, Tensor> act)
        : base(nameof(UNetUpBlock))
    {
        int n = c.BlockCount;
        int down = n - 1 - index; // the down block this one mirrors; per-block settings are reversed
        int layers = c.LayersPerBlock[down] + 1;
        resnets = nn.ModuleList(Enumerable.Range(0, layers).Select(i =>
        {
            long skip = i == layers - 1 ? inChannels : outChannels;
            long input = i == 0 ? prevOutChannels : outChannels;
            return new ResnetBlock2D(input + skip, outChannels, timeEmbedDim, c.NormNumGroups, c.NormEps, act, c.ResnetOutScaleFactor);
        }).ToArray());
        if (c.UpBlockTypes[index] == "CrossAttnUpBlock2D")
            attentions = nn.ModuleList(Enumerable.Range(0, layers)
                .Select(_ =>
                    new Transformer2D(outChannels, c.AttentionHeads[down], c.CrossAttentionDim[down], c.TransformerLayersPerBlock[down],
                    c.NormNumGroups, c.UseLinearProjection, c.OnlyCrossAttention[down], c.UpcastAttention)).ToArray());
        if (index < n - 1) upsamplers = nn.ModuleList(new Upsample2D(outChannels, outChannels));
        RegisterComponents();
    }

    /// <param name="skips">skip connections; this block consumes its share from the end</param>
    public Tensor Forward(Tensor x, Tensor timeEmbedding, Tensor context, List<Tensor> skips)
    {
        for (int i = 0; i < resnets.Count; i++)
        {
            var skip = skips[^1];
            skips.RemoveAt(skips.Count - 1);
            x = resnets[i].Forward(torch.cat(new[] { x, skip }, 1), timeEmbedding);
            if (attentions != null) x = attentions[i].Forward(x, context);
        }
        if (upsamplers != null)
        {
            // upsample to the size of the next skip connection, so odd latent sizes work as in diffusers
            var target = skips.Count > 0 ? new[] { skips[^1].shape[2], skips[^1].shape[3] } : null;
            x = upsamplers[0].Forward(x, target);
        }
        return x;
    }
}
