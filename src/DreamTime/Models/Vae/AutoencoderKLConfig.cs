using DreamTime.IO;
using DreamTime.Runtime;

namespace DreamTime.Models.Vae;

/// <summary>The fields of a diffusers AutoencoderKL config.json, with diffusers' defaults.</summary>
public sealed record AutoencoderKLConfig
{
    public int InChannels { get; init; } = 3;
    public int OutChannels { get; init; } = 3;
    public int[] BlockOutChannels { get; init; } = { 64 };
    public int LayersPerBlock { get; init; } = 1;
    public string ActFn { get; init; } = "silu";
    public int LatentChannels { get; init; } = 4;
    public int NormNumGroups { get; init; } = 32;
    public int SampleSize { get; init; } = 32;
    public double ScalingFactor { get; init; } = 0.18215;
    public bool UseQuantConv { get; init; } = true;
    public bool UsePostQuantConv { get; init; } = true;
    public bool MidBlockAddAttention { get; init; } = true;
    public bool ForceUpcast { get; init; } = true;

    /// <summary>Image pixels per latent pixel: 2^(number of blocks - 1).</summary>
    public int ScaleFactor => 1 << (BlockOutChannels.Length - 1);

    public static AutoencoderKLConfig From(ConfigJson c)
    {
        var blocks = c.IntList("block_out_channels", new[] { 64 });
        var down = c.StringList("down_block_types", Enumerable.Repeat("DownEncoderBlock2D", blocks.Length).ToArray());
        var up = c.StringList("up_block_types", Enumerable.Repeat("UpDecoderBlock2D", blocks.Length).ToArray());
        if (down.Length != blocks.Length || up.Length != blocks.Length)
            throw new UserError($"{c.Path}: 'down_block_types' ({down.Length}), 'up_block_types' ({up.Length}) and 'block_out_channels' " +
                $"({blocks.Length}) must have the same length");
        foreach (var d in down)
            if (d != "DownEncoderBlock2D")
                throw new UserError($"{c.Path}: down block type \"{d}\" is not supported (only DownEncoderBlock2D)");
        foreach (var u in up)
            if (u != "UpDecoderBlock2D")
                throw new UserError($"{c.Path}: up block type \"{u}\" is not supported (only UpDecoderBlock2D)");
        c.RequireUnset("shift_factor", "SD 1.x/2.x VAEs only");
        c.RequireUnset("latents_mean", "SD 1.x/2.x VAEs only");
        c.RequireUnset("latents_std", "SD 1.x/2.x VAEs only");
        var sampleSize = c.Root["sample_size"] is System.Text.Json.Nodes.JsonArray ss ? ss[0]!.GetValue<int>() : c.Int("sample_size", 32);
        var cfg = new AutoencoderKLConfig
        {
            InChannels = c.Int("in_channels", 3),
            OutChannels = c.Int("out_channels", 3),
            BlockOutChannels = blocks,
            LayersPerBlock = c.Int("layers_per_block", 1),
            ActFn = c.String("act_fn", "silu")!,
            LatentChannels = c.Int("latent_channels", 4),
            NormNumGroups = c.Int("norm_num_groups", 32),
            SampleSize = sampleSize,
            ScalingFactor = c.Double("scaling_factor", 0.18215),
            UseQuantConv = c.Bool("use_quant_conv", true),
            UsePostQuantConv = c.Bool("use_post_quant_conv", true),
            MidBlockAddAttention = c.Bool("mid_block_add_attention", true),
            ForceUpcast = c.Bool("force_upcast", true),
        };
        if (blocks.Length == 0 || blocks.Any(b => b <= 0 || b % cfg.NormNumGroups != 0))
            throw new UserError($"{c.Path}: every block_out_channels entry must be a positive multiple of " +
                $"norm_num_groups {cfg.NormNumGroups}");
        return cfg;
    }
}
