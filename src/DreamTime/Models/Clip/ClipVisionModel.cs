using DreamTime.Models.Diffusers;
using DreamTime.Models.Layers;
using DreamTime.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DreamTime.IO;

namespace DreamTime.Models.Clip;

/// <summary>The fields of a transformers CLIPVisionConfig (image_encoder/config.json), with transformers' defaults.</summary>
public sealed record ClipVisionConfig
{
    public int HiddenSize { get; init; } = 768;
    public int IntermediateSize { get; init; } = 3072;
    public int ProjectionDim { get; init; } = 512;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 12;
    public int NumChannels { get; init; } = 3;
    public int ImageSize { get; init; } = 224;
    public int PatchSize { get; init; } = 32;
    public string HiddenAct { get; init; } = "quick_gelu";
    public double LayerNormEps { get; init; } = 1e-5;

    public int PatchesPerSide => ImageSize / PatchSize;
    /// <summary>Patches plus the class token.</summary>
    public int Positions => PatchesPerSide * PatchesPerSide + 1;

    /// <summary>
    /// Reads a CLIPVisionConfig, or, as transformers does for a full CLIPConfig, its "vision_config" section alone.
    /// </summary>
    public static ClipVisionConfig From(ConfigJson c)
    {
        var v = c.Root["vision_config"] is System.Text.Json.Nodes.JsonObject section ? new ConfigJson(c.Path + " (vision_config)", section) : c;
        var cfg = new ClipVisionConfig
        {
            HiddenSize = v.Int("hidden_size", 768),
            IntermediateSize = v.Int("intermediate_size", 3072),
            ProjectionDim = v.Int("projection_dim", 512),
            NumHiddenLayers = v.Int("num_hidden_layers", 12),
            NumAttentionHeads = v.Int("num_attention_heads", 12),
            NumChannels = v.Int("num_channels", 3),
            ImageSize = v.Int("image_size", 224),
            PatchSize = v.Int("patch_size", 32),
            HiddenAct = v.String("hidden_act", "quick_gelu")!,
            LayerNormEps = v.Double("layer_norm_eps", 1e-5),
        };
        if (cfg.NumAttentionHeads <= 0 || cfg.HiddenSize % cfg.NumAttentionHeads != 0)
            throw new UserError($"{v.Path}: hidden_size {cfg.HiddenSize} must be a multiple of num_attention_heads {cfg.NumAttentionHeads}");
        if (cfg.PatchSize <= 0 || cfg.ImageSize <= 0 || cfg.ImageSize % cfg.PatchSize != 0)
            throw new UserError($"{v.Path}: image_size {cfg.ImageSize} must be a positive multiple of patch_size {cfg.PatchSize}");
        Activations.Get(cfg.HiddenAct, v.Path + ": hidden_act");
        return cfg;
    }
}

/// <summary>What the CLIP vision transformer returns.</summary>
/// <param name="ImageEmbeds">[B, projection_dim]: the projected, layer-normed class token (what Zero-1-to-3 conditions on)</param>
/// <param name="LastHiddenState">[B, 1 + patches, hidden]: the last encoder layer's output, without post_layernorm</param>
/// <param name="Pooled">[B, hidden]: the class token after post_layernorm</param>
public sealed record ClipVisionOutput(Tensor ImageEmbeds, Tensor LastHiddenState, Tensor Pooled);

public sealed class ClipVisionEmbeddings : nn.Module
{
    private readonly Parameter class_embedding;
    private readonly Conv2d patch_embedding;
    private readonly Embedding position_embedding;
    private readonly ClipVisionConfig _c;

    public ClipVisionEmbeddings(ClipVisionConfig c) : base(nameof(ClipVisionEmbeddings))
    {
        _c = c;
        class_embedding = new Parameter(torch.zeros(c.HiddenSize));
        patch_embedding = nn.Conv2d(c.NumChannels, c.HiddenSize, c.PatchSize, stride: c.PatchSize, bias: false);
        position_embedding = nn.Embedding(c.Positions, c.HiddenSize);
        RegisterComponents();
        // A new Parameter, and nn.Embedding's weight, join the dispose scope current at construction (measured with
        // TorchSharp 0.107), so a model built inside a caller's scope would lose them when that scope ends.
        foreach (var p in parameters()) p.DetachFromDisposeScope();
    }

    /// <summary>[class token, patch tokens in row-major order] plus their position embeddings: [B, 1 + patches, hidden].</summary>
    public Tensor Forward(Tensor pixels)
    {
        long b = pixels.shape[0];
        var patches = patch_embedding.forward(pixels).flatten(2).transpose(1, 2);
        var cls = class_embedding.to(patches.dtype).expand(b, 1, _c.HiddenSize);
        using var positions = torch.arange(_c.Positions, dtype: ScalarType.Int64, device: pixels.device);
        return torch.cat(new[] { cls, patches }, 1) + position_embedding.forward(positions).unsqueeze(0);
    }
}

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

/// <summary>
/// transformers' CLIPVisionModelWithProjection: ViT patch embedding, class token, pre-norm, a non-causal CLIP
/// encoder, post-norm of the class token, and a bias-free projection. Parameter names are the checkpoint's keys.
/// </summary>
public sealed class ClipVisionModelWithProjection : nn.Module
{
    private readonly ClipVisionTransformer vision_model;
    private readonly Linear visual_projection;

    public ClipVisionConfig Config { get; }

    public ClipVisionModelWithProjection(ClipVisionConfig c) : base(nameof(ClipVisionModelWithProjection))
    {
        Config = c;
        vision_model = new ClipVisionTransformer(c);
        visual_projection = nn.Linear(c.HiddenSize, c.ProjectionDim, hasBias: false);
        RegisterComponents();
    }

    /// <param name="pixels">normalised images [B, num_channels, image_size, image_size] (see <see cref="ClipImagePreprocessor"/>)</param>
    public ClipVisionOutput Forward(Tensor pixels)
    {
        // the position table has one entry per patch of an image_size image; transformers refuses other sizes too
        if (pixels.ndim != 4 || pixels.shape[1] != Config.NumChannels || pixels.shape[2] != Config.ImageSize || pixels.shape[3] != Config.ImageSize)
            throw new ArgumentException($"image encoder: expected pixels [B,{Config.NumChannels},{Config.ImageSize},{Config.ImageSize}], got [{string.Join(",", pixels.shape)}]");
        var (last, pooled) = vision_model.Forward(pixels);
        return new ClipVisionOutput(visual_projection.forward(pooled), last, pooled);
    }

    /// <summary>transformers may store the position-id buffer; it is arange, so it carries nothing to load.</summary>
    public static string? CheckpointKey(string key) => key == "vision_model.embeddings.position_ids" ? null : key;
}
