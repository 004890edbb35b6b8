using System.Text.Json.Nodes;
using DreamTime.IO;
using DreamTime.Runtime;

namespace DreamTime.Models.Unet;

/// <summary>
/// The fields of a diffusers UNet2DConditionModel config.json that SD 1.x/2.x use, with diffusers' defaults and
/// its reading of them: per-block values may be one number or a list; the number of attention heads per block is
/// num_attention_heads when set, otherwise attention_head_dim (diffusers' historical naming).
/// </summary>
public sealed record UNetConfig
{
    public static readonly string[] DownBlockNames = { "CrossAttnDownBlock2D", "DownBlock2D" };
    public static readonly string[] UpBlockNames = { "CrossAttnUpBlock2D", "UpBlock2D" };
    public static readonly string[] MidBlockNames = { "UNetMidBlock2DCrossAttn" };

    public int SampleSize { get; init; } = 64;
    public int InChannels { get; init; } = 4;
    public int OutChannels { get; init; } = 4;
    public bool CenterInputSample { get; init; }
    public bool FlipSinToCos { get; init; } = true;
    public int FreqShift { get; init; }
    public string[] DownBlockTypes { get; init; } = { "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
        "DownBlock2D" };
    public string? MidBlockType { get; init; } = "UNetMidBlock2DCrossAttn";
    public string[] UpBlockTypes { get; init; } = { "UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D" };
    public bool[] OnlyCrossAttention { get; init; } = { false, false, false, false };
    public int[] BlockOutChannels { get; init; } = { 320, 640, 1280, 1280 };
    public int[] LayersPerBlock { get; init; } = { 2, 2, 2, 2 };
    public int DownsamplePadding { get; init; } = 1;
    public double MidBlockScaleFactor { get; init; } = 1;
    public string ActFn { get; init; } = "silu";
    public int NormNumGroups { get; init; } = 32;
    public double NormEps { get; init; } = 1e-5;
    public int[] CrossAttentionDim { get; init; } = { 1280, 1280, 1280, 1280 };
    public int[] TransformerLayersPerBlock { get; init; } = { 1, 1, 1, 1 };
    /// <summary>Attention heads per down block (the up blocks use the reversed list, the mid block the last entry).</summary>
    public int[] AttentionHeads { get; init; } = { 8, 8, 8, 8 };
    public bool UseLinearProjection { get; init; }
    public bool UpcastAttention { get; init; }
    public double ResnetOutScaleFactor { get; init; } = 1.0;
    public int ConvInKernel { get; init; } = 3;
    public int ConvOutKernel { get; init; } = 3;
    public int? TimeEmbeddingDim { get; init; }
    /// <summary>null, or "text": the pooled text embedding is added to the timestep embedding (<see cref="TextTimeEmbedding"/>).</summary>
    public string? AdditionEmbedType { get; init; }
    public int AdditionEmbedTypeNumHeads { get; init; } = 64;

    public int BlockCount => BlockOutChannels.Length;
    public int TimeEmbedDim => TimeEmbeddingDim ?? BlockOutChannels[0] * 4;

    public static UNetConfig From(ConfigJson c)
    {
        var down = c.StringList("down_block_types", new UNetConfig().DownBlockTypes);
        int n = down.Length;
        var blockOut = c.IntList("block_out_channels", new UNetConfig().BlockOutChannels);
        if (blockOut.Length != n)
            throw new UserError($"{c.Path}: 'block_out_channels' has {blockOut.Length} entries but 'down_block_types' has {n}");
        var up = c.StringList("up_block_types", new UNetConfig().UpBlockTypes);
        if (up.Length != n) throw new UserError($"{c.Path}: 'up_block_types' has {up.Length} entries but 'down_block_types' has {n}");
        foreach (var d in down)
            if (!DownBlockNames.Contains(d))
                throw new UserError($"{c.Path}: down block type \"{d}\" is not supported; allowed: {string.Join(", ", DownBlockNames)}");
        foreach (var u in up)
            if (!UpBlockNames.Contains(u))
                throw new UserError($"{c.Path}: up block type \"{u}\" is not supported; allowed: {string.Join(", ", UpBlockNames)}");
        // unlike most keys, an explicit null is meaningful here: diffusers then builds no mid block
        var mid = c.Root.TryGetPropertyValue("mid_block_type", out var midNode) && midNode is null ? null
            : c.String("mid_block_type", "UNetMidBlock2DCrossAttn");
        if (mid != null && !MidBlockNames.Contains(mid))
            throw new UserError($"{c.Path}: mid block type \"{mid}\" is not supported; " +
                $"allowed: {string.Join(", ", MidBlockNames)} or null");

        foreach (var key in new[] { "class_embed_type", "encoder_hid_dim", "encoder_hid_dim_type", "num_class_embeds",
                                    "time_cond_proj_dim", "timestep_post_act", "time_embedding_act_fn",
                                    "reverse_transformer_layers_per_block",
                                    "cross_attention_norm" })
            c.RequireUnset(key, "SD 1.x/2.x UNets only");
        if (c.Bool("dual_cross_attention", false)) throw new UserError($"{c.Path}: 'dual_cross_attention' = true is not supported");
        if (c.Bool("resnet_skip_time_act", false)) throw new UserError($"{c.Path}: 'resnet_skip_time_act' = true is not supported");
        if (c.Bool("class_embeddings_concat", false)) throw new UserError($"{c.Path}: 'class_embeddings_concat' = true is not supported");
        var addition = c.String("addition_embed_type", null);
        if (addition != null && addition != "text")
            throw new UserError($"{c.Path}: addition_embed_type \"{addition}\" is not supported; allowed: \"text\" or null");
        c.RequireValue("resnet_time_scale_shift", "default", "default");
        c.RequireValue("time_embedding_type", "positional", "positional");
        c.RequireValue("attention_type", "default", "default");
        if (c.IsSet("transformer_layers_per_block") && c.Root["transformer_layers_per_block"] is System.Text.Json.Nodes.JsonArray tl
            && tl.Any(e => e is System.Text.Json.Nodes.JsonArray))
            throw new UserError($"{c.Path}: nested 'transformer_layers_per_block' lists are not supported");

        // diffusers: heads = num_attention_heads or attention_head_dim (the latter is, despite its name, the head count)
        var heads = c.IsSet("num_attention_heads") ? c.PerBlockInts("num_attention_heads", n, 8)
            : c.PerBlockInts("attention_head_dim", n, 8);
        var onlyCross = c.PerBlockBools("only_cross_attention", n, false);
        var sampleSize = c.Root["sample_size"] is System.Text.Json.Nodes.JsonArray ss ? (int)ss[0]!.GetValue<int>()
            : c.Int("sample_size", 64);
        var cfg = new UNetConfig
        {
            SampleSize = sampleSize,
            InChannels = c.Int("in_channels", 4),
            OutChannels = c.Int("out_channels", 4),
            CenterInputSample = c.Bool("center_input_sample", false),
            FlipSinToCos = c.Bool("flip_sin_to_cos", true),
            FreqShift = c.Int("freq_shift", 0),
            DownBlockTypes = down,
            MidBlockType = mid,
            UpBlockTypes = up,
            OnlyCrossAttention = onlyCross,
            BlockOutChannels = blockOut,
            LayersPerBlock = c.PerBlockInts("layers_per_block", n, 2),
            DownsamplePadding = c.Int("downsample_padding", 1),
            MidBlockScaleFactor = c.Double("mid_block_scale_factor", 1),
            ActFn = c.String("act_fn", "silu")!,
            NormNumGroups = c.Int("norm_num_groups", 32),
            NormEps = c.Double("norm_eps", 1e-5),
            CrossAttentionDim = c.PerBlockInts("cross_attention_dim", n, 1280),
            TransformerLayersPerBlock = c.PerBlockInts("transformer_layers_per_block", n, 1),
            AttentionHeads = heads,
            UseLinearProjection = c.Bool("use_linear_projection", false),
            UpcastAttention = c.Bool("upcast_attention", false),
            ResnetOutScaleFactor = c.Double("resnet_out_scale_factor", 1.0),
            ConvInKernel = c.Int("conv_in_kernel", 3),
            ConvOutKernel = c.Int("conv_out_kernel", 3),
            TimeEmbeddingDim = c.NullableInt("time_embedding_dim"),
            AdditionEmbedType = addition,
            AdditionEmbedTypeNumHeads = c.Int("addition_embed_type_num_heads", 64),
        };
        cfg.Validate(c.Path);
        return cfg;
    }

    /// <summary>
    /// The config.json diffusers writes for this model (and <see cref="From"/> reads back to an equal config).
    /// Per-block values are written as one value when every block shares it, as diffusers' own configs do.
    /// </summary>
    public JsonObject ToJson() => new()
    {
        ["_class_name"] = "UNet2DConditionModel",
        ["sample_size"] = SampleSize,
        ["in_channels"] = InChannels,
        ["out_channels"] = OutChannels,
        ["center_input_sample"] = CenterInputSample,
        ["flip_sin_to_cos"] = FlipSinToCos,
        ["freq_shift"] = FreqShift,
        ["down_block_types"] = new JsonArray(DownBlockTypes.Select(t => (JsonNode?)t).ToArray()),
        ["mid_block_type"] = MidBlockType,
        ["up_block_types"] = new JsonArray(UpBlockTypes.Select(t => (JsonNode?)t).ToArray()),
        ["only_cross_attention"] = PerBlock(OnlyCrossAttention),
        ["block_out_channels"] = new JsonArray(BlockOutChannels.Select(c => (JsonNode?)c).ToArray()),
        ["layers_per_block"] = PerBlock(LayersPerBlock),
        ["downsample_padding"] = DownsamplePadding,
        ["mid_block_scale_factor"] = MidBlockScaleFactor,
        ["act_fn"] = ActFn,
        ["norm_num_groups"] = NormNumGroups,
        ["norm_eps"] = NormEps,
        ["cross_attention_dim"] = PerBlock(CrossAttentionDim),
        ["transformer_layers_per_block"] = PerBlock(TransformerLayersPerBlock),
        // the head count goes under diffusers' historical name: its UNet2DConditionModel refuses num_attention_heads
        ["attention_head_dim"] = PerBlock(AttentionHeads),
        ["num_attention_heads"] = null,
        ["use_linear_projection"] = UseLinearProjection,
        ["upcast_attention"] = UpcastAttention,
        ["resnet_out_scale_factor"] = ResnetOutScaleFactor,
        ["conv_in_kernel"] = ConvInKernel,
        ["conv_out_kernel"] = ConvOutKernel,
        ["time_embedding_dim"] = TimeEmbeddingDim,
        ["addition_embed_type"] = AdditionEmbedType,
        ["addition_embed_type_num_heads"] = AdditionEmbedTypeNumHeads,
    };

    private static JsonNode PerBlock<T>(T[] values) where T : notnull =>
        values.Distinct().Count() == 1 ? JsonValue.Create(values[0])!
            : new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    public void Validate(string where)
    {
        if (BlockOutChannels.Any(ch => ch <= 0 || ch % NormNumGroups != 0))
            throw new UserError($"{where}: every block_out_channels entry must be a positive multiple of norm_num_groups {NormNumGroups}");
        if (AttentionHeads.Any(h => h <= 0)) throw new UserError($"{where}: attention head counts must be positive");
        if (AdditionEmbedType == "text")
        {
            if (CrossAttentionDim.Distinct().Count() != 1)
                throw new UserError($"{where}: addition_embed_type \"text\" needs one cross_attention_dim for every block");
            if (AdditionEmbedTypeNumHeads <= 0 || CrossAttentionDim[0] % AdditionEmbedTypeNumHeads != 0)
                throw new UserError($"{where}: addition_embed_type_num_heads {AdditionEmbedTypeNumHeads} must divide " +
                    $"cross_attention_dim {CrossAttentionDim[0]}");
        }
        if (ConvInKernel % 2 == 0 || ConvOutKernel % 2 == 0)
            throw new UserError($"{where}: conv_in_kernel and conv_out_kernel must be odd");
    }
}
