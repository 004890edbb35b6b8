using DreamTime.Models.Layers;
using DreamTime.Models.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Unet;

/// <summary>
/// Multi-head attention of diffusers' transformer blocks: bias-free q/k/v projections, an output projection with
/// bias. Keys and values come from the context (text embeddings) when given, else from the input itself.
/// </summary>
public sealed class CrossAttention : nn.Module, ILoraTarget
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
        Projections = new Dictionary<string, Linear> { ["to_q"] = to_q, ["to_k"] = to_k, ["to_v"] = to_v, ["to_out.0"] = to_out[0] };
    }

    public IReadOnlyDictionary<string, Linear> Projections { get; }
    public LoraSlots Lora { get; } = new();

    public Tensor Forward(Tensor x, Tensor? context)
    {
        var ctx = context ?? x;
        var q = SpatialSelfAttention.SplitHeads(Lora.Project("to_q", to_q, x), _heads);
        var k = SpatialSelfAttention.SplitHeads(Lora.Project("to_k", to_k, ctx), _heads);
        var v = SpatialSelfAttention.SplitHeads(Lora.Project("to_v", to_v, ctx), _heads);
        Tensor attended;
        if (_upcast && q.dtype != ScalarType.Float32)
        {
            // upcast_attention: scores and softmax in float32 (large fp16 logits overflow otherwise)
            attended = nn.functional.scaled_dot_product_attention(q.to(ScalarType.Float32), k.to(ScalarType.Float32),
                v.to(ScalarType.Float32)).to(q.dtype);
        }
        else attended = nn.functional.scaled_dot_product_attention(q, k, v);
        return Lora.Project("to_out.0", to_out[0], SpatialSelfAttention.MergeHeads(attended));
    }
}
