using DreamTime.Models.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Unet;

/// <summary>
/// Multi-head attention of diffusers' transformer blocks: bias-free q/k/v projections, an output projection with
/// bias. Keys and values come from the context (text embeddings) when given, else from the input itself.
/// </summary>
public sealed class CrossAttention : nn.Module
{
    private readonly Linear to_q, to_k, to_v;
    private readonly ModuleList<Linear> to_out;
    private readonly int _heads;
    private readonly bool _upcast;

    public CrossAttention(long queryDim, long contextDim, int heads, long headDim, bool upcast) : base(nameof(CrossAttention))
    {
        long inner = heads * headDim;
        to_q = nn.Linear(queryDim, inner, hasBias: false);
        to_k = nn.Linear(contextDim, inner, hasBias: false);
        to_v = nn.Linear(contextDim, inner, hasBias: false);
        to_out = nn.ModuleList(nn.Linear(inner, queryDim));
        _heads = heads;
        _upcast = upcast;
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor? context)
    {
        var ctx = context ?? x;
        var q = SpatialSelfAttention.SplitHeads(to_q.forward(x), _heads);
        var k = SpatialSelfAttention.SplitHeads(to_k.forward(ctx), _heads);
        var v = SpatialSelfAttention.SplitHeads(to_v.forward(ctx), _heads);
        Tensor attended;
        if (_upcast && q.dtype != ScalarType.Float32)
        {
            // upcast_attention: scores and softmax in float32 (large fp16 logits overflow otherwise)
            attended = nn.functional.scaled_dot_product_attention(q.to(ScalarType.Float32), k.to(ScalarType.Float32), v.to(ScalarType.Float32)).to(q.dtype);
        }
        else attended = nn.functional.scaled_dot_product_attention(q, k, v);
        return to_out[0].forward(SpatialSelfAttention.MergeHeads(attended));
    }
}

/// <summary>GELU-gated linear unit: one projection to twice the width, the second half gates the first through GELU.</summary>
public sealed class GatedGelu : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj;

    public GatedGelu(long dim, long inner) : base(nameof(GatedGelu))
    {
        proj = nn.Linear(dim, inner * 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var parts = proj.forward(x).chunk(2, -1);
        return parts[0] * nn.functional.gelu(parts[1]);
    }
}

/// <summary>GEGLU feed-forward; net.1 is a weightless dropout slot kept so that net.2 has the checkpoint's index.</summary>
public sealed class FeedForward : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> net;

    public FeedForward(long dim, long inner) : base(nameof(FeedForward))
    {
        net = nn.ModuleList<nn.Module<Tensor, Tensor>>(new GatedGelu(dim, inner), nn.Dropout(0.0), nn.Linear(inner, dim));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        foreach (var layer in net) x = layer.forward(x);
        return x;
    }
}

/// <summary>
/// diffusers' BasicTransformerBlock (pre-norm): self-attention (or cross-attention only, when configured),
/// cross-attention on the text embeddings, GEGLU feed-forward; each with a residual connection.
/// </summary>
public sealed class BasicTransformerBlock : nn.Module
{
    private readonly LayerNorm norm1, norm2, norm3;
    private readonly CrossAttention attn1, attn2;
    private readonly FeedForward ff;
    private readonly bool _onlyCross;

    public BasicTransformerBlock(long dim, int heads, long headDim, long contextDim, bool onlyCrossAttention, bool upcast) : base(nameof(BasicTransformerBlock))
    {
        norm1 = nn.LayerNorm(dim, 1e-5);
        attn1 = new CrossAttention(dim, onlyCrossAttention ? contextDim : dim, heads, headDim, upcast);
        norm2 = nn.LayerNorm(dim, 1e-5);
        attn2 = new CrossAttention(dim, contextDim, heads, headDim, upcast);
        norm3 = nn.LayerNorm(dim, 1e-5);
        ff = new FeedForward(dim, dim * 4);
        _onlyCross = onlyCrossAttention;
        RegisterComponents();
    }

    public Tensor Forward(Tensor x, Tensor context)
    {
        x = attn1.Forward(norm1.forward(x), _onlyCross ? context : null) + x;
        x = attn2.Forward(norm2.forward(x), context) + x;
        return ff.forward(norm3.forward(x)) + x;
    }
}

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

    public Transformer2D(long channels, int heads, long contextDim, int layers, int groups, bool linearProjection, bool onlyCrossAttention, bool upcast)
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
        return o + x;
    }
}
