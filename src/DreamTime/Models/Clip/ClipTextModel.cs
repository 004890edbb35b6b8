using DreamTime.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Clip;

/// <summary>
/// transformers' CLIPTextModel (no attention mask, as Stable Diffusion pipelines call it): token + position
/// embeddings, causal pre-norm transformer, final layer norm. Parameter names are the checkpoint's keys without
/// the optional "text_model." prefix.
/// </summary>
public sealed class ClipTextModel : nn.Module
{
    private readonly ClipEmbeddings embeddings;
    private readonly ClipEncoder encoder;
    private readonly LayerNorm final_layer_norm;

    public ClipTextConfig Config { get; }

    public ClipTextModel(ClipTextConfig c) : base(nameof(ClipTextModel))
    {
        Config = c;
        embeddings = new ClipEmbeddings(c);
        encoder = new ClipEncoder(c);
        final_layer_norm = nn.LayerNorm(c.HiddenSize, c.LayerNormEps);
        RegisterComponents();
    }

    /// <param name="ids">token ids [B, tokens] (int64)</param>
    public ClipTextOutput Forward(Tensor ids)
    {
        if (ids.shape[1] > Config.MaxPositionEmbeddings)
            throw new UserError($"text encoder: {ids.shape[1]} tokens exceed max_position_embeddings {Config.MaxPositionEmbeddings}");
        var hidden = final_layer_norm.forward(encoder.Forward(embeddings.Forward(ids)));
        var rows = ScalarArithmetic.Arange(ids.shape[0], ScalarType.Int64, ids.device);
        var pooled = hidden[rows, EosPositions(ids)];
        return new ClipTextOutput(hidden, pooled);
    }

    /// <summary>
    /// transformers' rule: with the legacy eos_token_id 2 the end token is the one with the largest id (argmax);
    /// otherwise it is the first occurrence of eos_token_id.
    /// </summary>
    public Tensor EosPositions(Tensor ids) => Config.EosTokenId == 2
        ? ids.argmax(-1)
        : ids.eq(Scalars.Of(Config.EosTokenId)).to(ScalarType.Int32).argmax(-1);
}
