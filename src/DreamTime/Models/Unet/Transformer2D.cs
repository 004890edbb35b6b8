using DreamTime.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Unet;

/// <summary>
/// diffusers' Transformer2DModel for continuous inputs: GroupNorm (eps 1e-6), projection in (1x1 conv, or linear
/// on tokens with use_linear_projection), transformer blocks over the H*W tokens, projection out, residual.
/// </summary>
public sealed class Transformer2D : nn.Module
{
    private readonly GroupNorm norm;
    private readonly nn.Module<Tensor, Tensor> proj_in, proj_out;
    private readonly ModuleList<BasicTransformerBlock> transformer_blocks;
    private readonly bool _linear;

    public Transformer2D(long channels, int heads, long contextDim, int layers, int groups, bool linearProjection, bool onlyCrossAttention,
        bool upcast)
        : base(nameof(Transformer2D))
    {
        long headDim = channels / heads;
        long inner = heads * headDim;
        norm = nn.GroupNorm(groups, channels, 1e-6);
        proj_in = linearProjection ? nn.Linear(channels, inner) : nn.Conv2d(channels, inner, 1);
        transformer_blocks = nn.ModuleList(Enumerable.Range(0, layers)
            .Select(_ => new BasicTransformerBlock(inner, heads, headDim, contextDim, onlyCrossAttention, upcast)).ToArray());
        proj_out = linearProjection ? nn.Linear(inner, channels) : nn.Conv2d(inner, channels, 1);
        _linear = linearProjection;
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor context)
    {
        long b = x.shape[0], h = x.shape[2], w = x.shape[3];
        var hs = norm.forward(x);
        Tensor tokens;
        if (_linear) tokens = proj_in.forward(hs.permute(0, 2, 3, 1).reshape(b, h * w, -1));
        else
        {
            var p = proj_in.forward(hs);
            tokens = p.permute(0, 2, 3, 1).reshape(b, h * w, p.shape[1]);
        }
        foreach (var block in transformer_blocks) tokens = block.Forward(tokens, context);
        Tensor o;
        if (_linear) o = proj_out.forward(tokens).reshape(b, h, w, -1).permute(0, 3, 1, 2);
        else o = proj_out.forward(tokens.reshape(b, h, w, -1).permute(0, 3, 1, 2).contiguous());
        return o.Plus(x);
    }
}
