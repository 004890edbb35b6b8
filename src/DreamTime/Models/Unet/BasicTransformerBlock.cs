using DreamTime.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Unet;

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

    public BasicTransformerBlock(long dim, int heads, long headDim, long contextDim, bool onlyCrossAttention, bool upcast)
        : base(nameof(BasicTransformerBlock))
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
        x = attn1.Forward(norm1.forward(x), _onlyCross ? context : null).Plus(x);
        x = attn2.Forward(norm2.forward(x), context).Plus(x);
        return ff.forward(norm3.forward(x)).Plus(x);
    }
}
