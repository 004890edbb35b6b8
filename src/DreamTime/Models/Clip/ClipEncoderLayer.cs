using DreamTime.Models.Layers;
using DreamTime.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Clip;

/// <summary>Pre-norm transformer layer: x + attn(ln1(x)), then x + mlp(ln2(x)).</summary>
public sealed class ClipEncoderLayer : nn.Module
{
    private readonly LayerNorm layer_norm1, layer_norm2;
    private readonly ClipAttention self_attn;
    private readonly ClipMlp mlp;

    public ClipEncoderLayer(ClipTextConfig c)
        : this(c.HiddenSize, c.NumAttentionHeads, c.IntermediateSize, Activations.Get(c.HiddenAct, "text_encoder hidden_act"),
            c.LayerNormEps, causal: true)
    {
    }

    /// <summary>The layer the text and the vision transformers share; they differ only in whether attention is causal.</summary>
    public ClipEncoderLayer(long hidden, int heads, long intermediate, Func<Tensor, Tensor> act, double layerNormEps, bool causal)
        : base(nameof(ClipEncoderLayer))
    {
        layer_norm1 = nn.LayerNorm(hidden, layerNormEps);
        self_attn = new ClipAttention(hidden, heads, causal);
        layer_norm2 = nn.LayerNorm(hidden, layerNormEps);
        mlp = new ClipMlp(hidden, intermediate, act);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        x = x.Plus(self_attn.Forward(layer_norm1.forward(x)));
        return x.Plus(mlp.Forward(layer_norm2.forward(x)));
    }
}
