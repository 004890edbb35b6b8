using DreamTime.Models.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Clip;

public sealed class ClipVisionTransformer : nn.Module
{
    private readonly ClipVisionEmbeddings embeddings;
    // the misspelling is transformers' parameter name
    private readonly LayerNorm pre_layrnorm;
    private readonly ClipEncoder encoder;
    private readonly LayerNorm post_layernorm;

    public ClipVisionTransformer(ClipVisionConfig c) : base(nameof(ClipVisionTransformer))
    {
        embeddings = new ClipVisionEmbeddings(c);
        pre_layrnorm = nn.LayerNorm(c.HiddenSize, c.LayerNormEps);
        var act = Activations.Get(c.HiddenAct, "image_encoder hidden_act");
        encoder = new ClipEncoder(Enumerable.Range(0, c.NumHiddenLayers)
            .Select(_ => new ClipEncoderLayer(c.HiddenSize, c.NumAttentionHeads, c.IntermediateSize, act, c.LayerNormEps, causal: false)));
        post_layernorm = nn.LayerNorm(c.HiddenSize, c.LayerNormEps);
        RegisterComponents();
    }

    /// <returns>(last hidden state, pooled = post_layernorm(class token))</returns>
    public (Tensor Last, Tensor Pooled) Forward(Tensor pixels)
    {
        var last = encoder.Forward(pre_layrnorm.forward(embeddings.Forward(pixels)));
        var pooled = post_layernorm.forward(last[.., 0]);
        return (last, pooled);
    }
}
