using DreamTime.IO;
using DreamTime.Models.Layers;
using DreamTime.Runtime;

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
        var v = c.Root["vision_config"] is System.Text.Json.Nodes.JsonObject section
            ? new ConfigJson(c.Path + " (vision_config)", section)
            : c;
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
            throw new UserError($"{v.Path}: hidden_size {cfg.HiddenSize} must be a multiple of " +
                $"num_attention_heads {cfg.NumAttentionHeads}");
        if (cfg.PatchSize <= 0 || cfg.ImageSize <= 0 || cfg.ImageSize % cfg.PatchSize != 0)
            throw new UserError($"{v.Path}: image_size {cfg.ImageSize} must be a positive multiple of patch_size {cfg.PatchSize}");
        Activations.Get(cfg.HiddenAct, v.Path + ": hidden_act");
        return cfg;
    }
}
