using DreamTime.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Layers;

/// <summary>
/// The VAE mid-block attention (diffusers' Attention with a group norm and a residual connection): every pixel
/// attends to every pixel of its image; q, k, v and out projections with biases.
/// </summary>
public sealed class SpatialSelfAttention : nn.Module
{
    private readonly GroupNorm group_norm;
    private readonly Linear to_q, to_k, to_v;
    private readonly ModuleList<Linear> to_out;
    private readonly int _heads;

    public SpatialSelfAttention(long channels, int heads, int groups, double eps) : base(nameof(SpatialSelfAttention))
    {
        group_norm = nn.GroupNorm(groups, channels, eps);
        to_q = nn.Linear(channels, channels);
        to_k = nn.Linear(channels, channels);
        to_v = nn.Linear(channels, channels);
        to_out = nn.ModuleList(nn.Linear(channels, channels));
        _heads = heads;
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var tokens = group_norm.forward(x).reshape(b, c, h * w).transpose(1, 2);
        var q = SplitHeads(to_q.forward(tokens), _heads);
        var k = SplitHeads(to_k.forward(tokens), _heads);
        var v = SplitHeads(to_v.forward(tokens), _heads);
        var attended = MergeHeads(nn.functional.scaled_dot_product_attention(q, k, v));
        var o = to_out[0].forward(attended).transpose(1, 2).reshape(b, c, h, w);
        return o.Plus(x);
    }

    /// <summary>[B, N, heads*d] to [B, heads, N, d].</summary>
    public static Tensor SplitHeads(Tensor t, long heads) => t.reshape(t.shape[0], t.shape[1], heads, t.shape[2] / heads).transpose(1, 2);

    /// <summary>[B, heads, N, d] to [B, N, heads*d].</summary>
    public static Tensor MergeHeads(Tensor t) => t.transpose(1, 2).reshape(t.shape[0], t.shape[2], t.shape[1] * t.shape[3]);
}
