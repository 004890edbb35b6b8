using DreamTime.Models.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Clip;

public sealed class ClipAttention : nn.Module
{
    private readonly Linear q_proj, k_proj, v_proj, out_proj;
    private readonly int _heads;
    private readonly bool _causal;

    /// <param name="causal">true for the text model (token i sees tokens 0..i); the vision model attends to every patch</param>
    public ClipAttention(long dim, int heads, bool causal = true) : base(nameof(ClipAttention))
    {
        q_proj = nn.Linear(dim, dim);
        k_proj = nn.Linear(dim, dim);
        v_proj = nn.Linear(dim, dim);
        out_proj = nn.Linear(dim, dim);
        _heads = heads;
        _causal = causal;
        RegisterComponents();
    }

    /// <summary>Self-attention; when causal, token i sees tokens 0..i.</summary>
    public Tensor Forward(Tensor x)
    {
        var q = SpatialSelfAttention.SplitHeads(q_proj.forward(x), _heads);
        var k = SpatialSelfAttention.SplitHeads(k_proj.forward(x), _heads);
        var v = SpatialSelfAttention.SplitHeads(v_proj.forward(x), _heads);
        var o = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: _causal);
        return out_proj.forward(SpatialSelfAttention.MergeHeads(o));
    }
}
