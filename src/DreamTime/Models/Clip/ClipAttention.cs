using DreamTime.Models.Layers;
using DreamTime.Models.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Clip;

public sealed class ClipAttention : nn.Module, ILoraTarget
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
        Projections = new Dictionary<string, Linear>
        {
            ["q_proj"] = q_proj,
            ["k_proj"] = k_proj,
            ["v_proj"] = v_proj,
            ["out_proj"] = out_proj,
        };
    }

    public IReadOnlyDictionary<string, Linear> Projections { get; }
    public LoraSlots Lora { get; } = new();

    /// <summary>Self-attention; when causal, token i sees tokens 0..i.</summary>
    public Tensor Forward(Tensor x)
    {
        var q = SpatialSelfAttention.SplitHeads(Lora.Project("q_proj", q_proj, x), _heads);
        var k = SpatialSelfAttention.SplitHeads(Lora.Project("k_proj", k_proj, x), _heads);
        var v = SpatialSelfAttention.SplitHeads(Lora.Project("v_proj", v_proj, x), _heads);
        var o = nn.functional.scaled_dot_product_attention(q, k, v, is_casual: _causal);
        return Lora.Project("out_proj", out_proj, SpatialSelfAttention.MergeHeads(o));
    }
}
