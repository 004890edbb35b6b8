using DreamTime.Models.Diffusers;
using DreamTime.Models.Layers;
using DreamTime.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DreamTime.IO;

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
            throw new UserError($"{c.Path}: 'down_block_types' ({down.Length}), 'up_block_types' ({up.Length}) and 'block_out_channels' ({blocks.Length}) must have the same length");
        foreach (var d in down) if (d != "DownEncoderBlock2D") throw new UserError($"{c.Path}: down block type \"{d}\" is not supported (only DownEncoderBlock2D)");
        foreach (var u in up) if (u != "UpDecoderBlock2D") throw new UserError($"{c.Path}: up block type \"{u}\" is not supported (only UpDecoderBlock2D)");
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
            throw new UserError($"{c.Path}: every block_out_channels entry must be a positive multiple of norm_num_groups {cfg.NormNumGroups}");
        return cfg;
    }
}

/// <summary>The VAE's UNetMidBlock2D: resnet, single-head spatial self-attention (optional), resnet; eps 1e-6, no time embedding.</summary>
public sealed class VaeMidBlock : nn.Module
{
    private readonly ModuleList<SpatialSelfAttention>? attentions;
    private readonly ModuleList<ResnetBlock2D> resnets;

    public VaeMidBlock(long channels, int groups, bool addAttention, Func<Tensor, Tensor> act) : base(nameof(VaeMidBlock))
    {
        resnets = nn.ModuleList(new ResnetBlock2D(channels, channels, null, groups, 1e-6, act), new ResnetBlock2D(channels, channels, null, groups, 1e-6, act));
        if (addAttention) attentions = nn.ModuleList(new SpatialSelfAttention(channels, 1, groups, 1e-6));
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        x = resnets[0].Forward(x, null);
        if (attentions != null) x = attentions[0].Forward(x);
        return resnets[1].Forward(x, null);
    }
}

/// <summary>DownEncoderBlock2D: resnets, then (except in the last block) a stride-2 conv after right/bottom padding.</summary>
public sealed class VaeDownBlock : nn.Module
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Downsample2D>? downsamplers;

    public VaeDownBlock(long inChannels, long outChannels, int layers, int groups, bool downsample, Func<Tensor, Tensor> act) : base(nameof(VaeDownBlock))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, layers).Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, null, groups, 1e-6, act)).ToArray());
        if (downsample) downsamplers = nn.ModuleList(new Downsample2D(outChannels, outChannels, 0));
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        foreach (var r in resnets) x = r.Forward(x, null);
        return downsamplers != null ? downsamplers[0].Forward(x) : x;
    }
}

/// <summary>UpDecoderBlock2D: resnets, then (except in the last block) nearest 2x upsampling and a conv.</summary>
public sealed class VaeUpBlock : nn.Module
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Upsample2D>? upsamplers;

    public VaeUpBlock(long inChannels, long outChannels, int layers, int groups, bool upsample, Func<Tensor, Tensor> act) : base(nameof(VaeUpBlock))
    {
        resnets = nn.ModuleList(Enumerable.Range(0, layers).Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, null, groups, 1e-6, act)).ToArray());
        if (upsample) upsamplers = nn.ModuleList(new Upsample2D(outChannels, outChannels));
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        foreach (var r in resnets) x = r.Forward(x, null);
        return upsamplers != null ? upsamplers[0].Forward(x) : x;
    }
}

public sealed class VaeEncoder : nn.Module
{
    private readonly Conv2d conv_in;
    private readonly ModuleList<VaeDownBlock> down_blocks;
    private readonly VaeMidBlock mid_block;
    private readonly GroupNorm conv_norm_out;
    private readonly Conv2d conv_out;
    private readonly Func<Tensor, Tensor> _act;

    public VaeEncoder(AutoencoderKLConfig c, Func<Tensor, Tensor> act) : base(nameof(VaeEncoder))
    {
        var ch = c.BlockOutChannels;
        conv_in = nn.Conv2d(c.InChannels, ch[0], 3, padding: 1);
        down_blocks = nn.ModuleList(Enumerable.Range(0, ch.Length)
            .Select(i => new VaeDownBlock(i == 0 ? ch[0] : ch[i - 1], ch[i], c.LayersPerBlock, c.NormNumGroups, i < ch.Length - 1, act)).ToArray());
        mid_block = new VaeMidBlock(ch[^1], c.NormNumGroups, c.MidBlockAddAttention, act);
        conv_norm_out = nn.GroupNorm(c.NormNumGroups, ch[^1], 1e-6);
        conv_out = nn.Conv2d(ch[^1], 2 * c.LatentChannels, 3, padding: 1);
        _act = act;
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        x = conv_in.forward(x);
        foreach (var b in down_blocks) x = b.Forward(x);
        x = mid_block.Forward(x);
        return conv_out.forward(_act(conv_norm_out.forward(x)));
    }
}

public sealed class VaeDecoder : nn.Module
{
    private readonly Conv2d conv_in;
    private readonly VaeMidBlock mid_block;
    private readonly ModuleList<VaeUpBlock> up_blocks;
    private readonly GroupNorm conv_norm_out;
    private readonly Conv2d conv_out;
    private readonly Func<Tensor, Tensor> _act;

    public VaeDecoder(AutoencoderKLConfig c, Func<Tensor, Tensor> act) : base(nameof(VaeDecoder))
    {
        var rev = c.BlockOutChannels.Reverse().ToArray();
        conv_in = nn.Conv2d(c.LatentChannels, rev[0], 3, padding: 1);
        mid_block = new VaeMidBlock(rev[0], c.NormNumGroups, c.MidBlockAddAttention, act);
        up_blocks = nn.ModuleList(Enumerable.Range(0, rev.Length)
            .Select(i => new VaeUpBlock(i == 0 ? rev[0] : rev[i - 1], rev[i], c.LayersPerBlock + 1, c.NormNumGroups, i < rev.Length - 1, act)).ToArray());
        conv_norm_out = nn.GroupNorm(c.NormNumGroups, rev[^1], 1e-6);
        conv_out = nn.Conv2d(rev[^1], c.OutChannels, 3, padding: 1);
        _act = act;
        RegisterComponents();
    }

    public Tensor Forward(Tensor z)
    {
        var x = conv_in.forward(z);
        x = mid_block.Forward(x);
        foreach (var b in up_blocks) x = b.Forward(x);
        return conv_out.forward(_act(conv_norm_out.forward(x)));
    }
}

/// <summary>Diagonal Gaussian posterior of the VAE encoder; logvar is clamped to [-30, 20] as in diffusers.</summary>
public sealed record LatentDistribution(Tensor Mean, Tensor LogVar)
{
    public Tensor Std => torch.exp(0.5 * LogVar);

    /// <summary>mean + std * eps with eps drawn (on the CPU, for reproducibility across devices) from the generator.</summary>
    public Tensor Sample(Generator? generator)
    {
        var eps = torch.randn(Mean.shape, dtype: Mean.dtype, generator: generator).to(Mean.device);
        return Mean + Std * eps;
    }
}

/// <summary>
/// diffusers' AutoencoderKL: Encode gives the latent posterior of images in [-1, 1]; Decode maps (unscaled)
/// latents back to images in about [-1, 1]. Latents for the UNet are posterior samples times scaling_factor.
/// </summary>
public sealed class AutoencoderKL : nn.Module
{
    private readonly VaeEncoder encoder;
    private readonly VaeDecoder decoder;
    private readonly Conv2d? quant_conv;
    private readonly Conv2d? post_quant_conv;

    public AutoencoderKLConfig Config { get; }

    public AutoencoderKL(AutoencoderKLConfig c) : base(nameof(AutoencoderKL))
    {
        Config = c;
        var act = Activations.Get(c.ActFn, "vae act_fn");
        encoder = new VaeEncoder(c, act);
        decoder = new VaeDecoder(c, act);
        if (c.UseQuantConv) quant_conv = nn.Conv2d(2 * c.LatentChannels, 2 * c.LatentChannels, 1);
        if (c.UsePostQuantConv) post_quant_conv = nn.Conv2d(c.LatentChannels, c.LatentChannels, 1);
        RegisterComponents();
    }

    public LatentDistribution Encode(Tensor images)
    {
        var moments = encoder.Forward(images);
        if (quant_conv != null) moments = quant_conv.forward(moments);
        var parts = moments.chunk(2, 1);
        return new LatentDistribution(parts[0], parts[1].clamp(-30.0, 20.0));
    }

    public Tensor Decode(Tensor latents)
    {
        var z = post_quant_conv != null ? post_quant_conv.forward(latents) : latents;
        return decoder.Forward(z);
    }
}
