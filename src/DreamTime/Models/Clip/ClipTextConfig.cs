using System.Text.Json.Nodes;
using DreamTime.IO;
using DreamTime.Models.Layers;
using DreamTime.Runtime;

namespace DreamTime.Models.Clip;

/// <summary>The fields of a transformers CLIPTextConfig (text_encoder/config.json), with transformers' defaults.</summary>
public sealed record ClipTextConfig
{
    public int VocabSize { get; init; } = 49408;
    public int HiddenSize { get; init; } = 512;
    public int IntermediateSize { get; init; } = 2048;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 8;
    public int MaxPositionEmbeddings { get; init; } = 77;
    public string HiddenAct { get; init; } = "quick_gelu";
    public double LayerNormEps { get; init; } = 1e-5;
    public int EosTokenId { get; init; } = 49407;

    public static ClipTextConfig From(ConfigJson c)
    {
        var cfg = new ClipTextConfig
        {
            VocabSize = c.Int("vocab_size", 49408),
            HiddenSize = c.Int("hidden_size", 512),
            IntermediateSize = c.Int("intermediate_size", 2048),
            NumHiddenLayers = c.Int("num_hidden_layers", 12),
            NumAttentionHeads = c.Int("num_attention_heads", 8),
            MaxPositionEmbeddings = c.Int("max_position_embeddings", 77),
            HiddenAct = c.String("hidden_act", "quick_gelu")!,
            LayerNormEps = c.Double("layer_norm_eps", 1e-5),
            EosTokenId = c.Int("eos_token_id", 49407),
        };
        if (cfg.NumAttentionHeads <= 0 || cfg.HiddenSize % cfg.NumAttentionHeads != 0)
            throw new UserError($"{c.Path}: hidden_size {cfg.HiddenSize} must be a multiple of " +
                $"num_attention_heads {cfg.NumAttentionHeads}");
        Activations.Get(cfg.HiddenAct, c.Path + ": hidden_act");
        return cfg;
    }

    /// <summary>The config.json transformers writes for a CLIPTextModel with these fields (and <see cref="From"/> reads back).</summary>
    public JsonObject ToJson() => new()
    {
        ["architectures"] = new JsonArray("CLIPTextModel"),
        ["model_type"] = "clip_text_model",
        ["vocab_size"] = VocabSize,
        ["hidden_size"] = HiddenSize,
        ["intermediate_size"] = IntermediateSize,
        ["num_hidden_layers"] = NumHiddenLayers,
        ["num_attention_heads"] = NumAttentionHeads,
        ["max_position_embeddings"] = MaxPositionEmbeddings,
        ["hidden_act"] = HiddenAct,
        ["layer_norm_eps"] = LayerNormEps,
        ["eos_token_id"] = EosTokenId,
    };
}
