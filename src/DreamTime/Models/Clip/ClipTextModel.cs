using System.Text.Json.Nodes;
using DreamTime.Models.Diffusers;
using DreamTime.Models.Layers;
using DreamTime.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DreamTime.IO;

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
            throw new UserError($"{c.Path}: hidden_size {cfg.HiddenSize} must be a multiple of num_attention_heads {cfg.NumAttentionHeads}");
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

/// <summary>What the CLIP text transformer returns.</summary>
/// <param name="LastHiddenState">[B, tokens, hidden] after the final layer norm (Stable Diffusion's text conditioning)</param>
/// <param name="Pooled">[B, hidden] the hidden state at each sequence's end-of-text token</param>
public sealed record ClipTextOutput(Tensor LastHiddenState, Tensor Pooled);

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

public sealed class ClipMlp : nn.Module
{
    private readonly Linear fc1, fc2;
    private readonly Func<Tensor, Tensor> _act;

    public ClipMlp(long dim, long inner, Func<Tensor, Tensor> act) : base(nameof(ClipMlp))
    {
        fc1 = nn.Linear(dim, inner);
        fc2 = nn.Linear(inner, dim);
        _act = act;
        RegisterComponents();
    }

    public Tensor Forward(Tensor x) => fc2.forward(_act(fc1.forward(x)));
}

/// <summary>Pre-norm transformer layer: x + attn(ln1(x)), then x + mlp(ln2(x)).</summary>
public sealed class ClipEncoderLayer : nn.Module
{
    private readonly LayerNorm layer_norm1, layer_norm2;
    private readonly ClipAttention self_attn;
    private readonly ClipMlp mlp;

    public ClipEncoderLayer(ClipTextConfig c)
        : this(c.HiddenSize, c.NumAttentionHeads, c.IntermediateSize, Activations.Get(c.HiddenAct, "text_encoder hidden_act"), c.LayerNormEps, causal: true)
    {
    }

    /// <summary>The layer the text and the vision transformers share; they differ only in whether attention is causal.</summary>
    public ClipEncoderLayer(long hidden, int heads, long intermediate, Func<Tensor, Tensor> act, double layerNormEps, bool causal) : base(nameof(ClipEncoderLayer))
    {
        layer_norm1 = nn.LayerNorm(hidden, layerNormEps);
        self_attn = new ClipAttention(hidden, heads, causal);
        layer_norm2 = nn.LayerNorm(hidden, layerNormEps);
        mlp = new ClipMlp(hidden, intermediate, act);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        x = x + self_attn.Forward(layer_norm1.forward(x));
        return x + mlp.Forward(layer_norm2.forward(x));
    }
}

public sealed class ClipEmbeddings : nn.Module
{
    private readonly Embedding token_embedding, position_embedding;

    public ClipEmbeddings(ClipTextConfig c) : base(nameof(ClipEmbeddings))
    {
        token_embedding = nn.Embedding(c.VocabSize, c.HiddenSize);
        position_embedding = nn.Embedding(c.MaxPositionEmbeddings, c.HiddenSize);
        RegisterComponents();
        // nn.Embedding's weight joins the dispose scope current at construction (TorchSharp 0.107): a text model built
        // inside a caller's scope would lose both embeddings when that scope ends (see ClipVisionEmbeddings)
        foreach (var p in parameters()) p.DetachFromDisposeScope();
    }

    public Tensor Forward(Tensor ids)
    {
        using var positions = torch.arange(ids.shape[1], dtype: ScalarType.Int64, device: ids.device);
        return token_embedding.forward(ids) + position_embedding.forward(positions).unsqueeze(0);
    }
}

public sealed class ClipEncoder : nn.Module
{
    private readonly ModuleList<ClipEncoderLayer> layers;

    public ClipEncoder(ClipTextConfig c) : this(Enumerable.Range(0, c.NumHiddenLayers).Select(_ => new ClipEncoderLayer(c)))
    {
    }

    public ClipEncoder(IEnumerable<ClipEncoderLayer> layers) : base(nameof(ClipEncoder))
    {
        this.layers = nn.ModuleList(layers.ToArray());
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        foreach (var l in layers) x = l.Forward(x);
        return x;
    }
}

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
        var rows = torch.arange(ids.shape[0], dtype: ScalarType.Int64, device: ids.device);
        var pooled = hidden[rows, EosPositions(ids)];
        return new ClipTextOutput(hidden, pooled);
    }

    /// <summary>
    /// transformers' rule: with the legacy eos_token_id 2 the end token is the one with the largest id (argmax);
    /// otherwise it is the first occurrence of eos_token_id.
    /// </summary>
    public Tensor EosPositions(Tensor ids) => Config.EosTokenId == 2
        ? ids.argmax(-1)
        : ids.eq(Config.EosTokenId).to(ScalarType.Int32).argmax(-1);
}
