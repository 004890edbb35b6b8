using DreamTime.Models.Layers;
using DreamTime.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Unet;

/// <summary>
/// diffusers' UNet2DConditionModel for SD 1.x/2.x configurations: noise (or v) prediction for latents x_t at
/// timestep t given text embeddings. Built entirely from <see cref="UNetConfig"/>; parameter names equal the
/// checkpoint's keys.
/// </summary>
public sealed class UNet2DConditionModel : nn.Module
{
    private readonly Conv2d conv_in;
    private readonly TimestepEmbedding time_embedding;
    private readonly TextTimeEmbedding? add_embedding;
    private readonly ModuleList<UNetDownBlock> down_blocks;
    private readonly UNetMidBlock? mid_block;
    private readonly ModuleList<UNetUpBlock> up_blocks;
    private readonly GroupNorm conv_norm_out;
    private readonly Conv2d conv_out;
    private readonly Func<Tensor, Tensor> _act;

    public UNetConfig Config { get; }

    public UNet2DConditionModel(UNetConfig c) : base(nameof(UNet2DConditionModel))
    {
        Config = c;
        _act = Activations.Get(c.ActFn, "unet act_fn");
        var ch = c.BlockOutChannels;
        conv_in = nn.Conv2d(c.InChannels, ch[0], c.ConvInKernel, padding: (c.ConvInKernel - 1) / 2);
        time_embedding = new TimestepEmbedding(ch[0], c.TimeEmbedDim, _act);
        // diffusers pools from cross_attention_dim (encoder_hid_dim is not supported); the entries are equal when set
        if (c.AdditionEmbedType == "text")
            add_embedding = new TextTimeEmbedding(c.CrossAttentionDim[0], c.TimeEmbedDim, c.AdditionEmbedTypeNumHeads);

        var downs = new List<UNetDownBlock>();
        long output = ch[0];
        for (int i = 0; i < c.BlockCount; i++)
        {
            long input = output;
            output = ch[i];
            downs.Add(new UNetDownBlock(c, i, input, output, c.TimeEmbedDim, _act));
        }
        down_blocks = nn.ModuleList(downs.ToArray());
        if (c.MidBlockType != null) mid_block = new UNetMidBlock(c, ch[^1], c.TimeEmbedDim, _act);

        var reversed = ch.Reverse().ToArray();
        var ups = new List<UNetUpBlock>();
        output = reversed[0];
        for (int i = 0; i < c.BlockCount; i++)
        {
            long prev = output;
            output = reversed[i];
            long input = reversed[Math.Min(i + 1, c.BlockCount - 1)];
            ups.Add(new UNetUpBlock(c, i, input, output, prev, c.TimeEmbedDim, _act));
        }
        up_blocks = nn.ModuleList(ups.ToArray());
        conv_norm_out = nn.GroupNorm(c.NormNumGroups, ch[0], c.NormEps);
        conv_out = nn.Conv2d(ch[0], c.OutChannels, c.ConvOutKernel, padding: (c.ConvOutKernel - 1) / 2);
        RegisterComponents();
    }

    /// <param name="sample">x_t [B, in_channels, h, w]</param>
    /// <param name="timesteps">one timestep (scalar tensor) or one per batch item [B]</param>
    /// <param name="context">text embeddings [B, tokens, cross_attention_dim]</param>
    /// <param name="classEmbedding">
    /// [B, time embedding dim] added to the timestep embedding, as diffusers adds class_embedding(class_labels): how
    /// VSD's LoRA copy sees the camera; null = none
    /// </param>
    public Tensor Forward(Tensor sample, Tensor timesteps, Tensor context, Tensor? classEmbedding = null)
    {
        long batch = sample.shape[0];
        var t = timesteps.ndim == 0 ? timesteps.reshape(1) : timesteps;
        t = t.to(sample.device).expand(batch);
        var features = TimestepEmbedding.SinusoidalFeatures(t, (int)Config.BlockOutChannels[0], Config.FlipSinToCos,
            Config.FreqShift).to(sample.dtype);
        var temb = time_embedding.Forward(features);
        if (add_embedding != null) temb = temb.Plus(add_embedding.Forward(context));
        if (classEmbedding is not null) temb = temb.Plus(classEmbedding.to(temb.dtype));

        var x = Config.CenterInputSample ? sample.Times(2).Minus(1.0) : sample;
        x = NarrowConvolution.Forward(conv_in, x);
        var skips = new List<Tensor> { x };
        foreach (var block in down_blocks) x = block.Forward(x, temb, context, skips);
        if (mid_block != null) x = mid_block.Forward(x, temb, context);
        foreach (var block in up_blocks) x = block.Forward(x, temb, context, skips);
        return NarrowConvolution.Forward(conv_out, _act(conv_norm_out.forward(x)));
    }

    /// <summary>Forward with an integer timestep shared by the batch.</summary>
    public Tensor Forward(Tensor sample, long timestep, Tensor context)
    {
        using var t = torch.tensor(timestep, device: sample.device);
        return Forward(sample, t, context);
    }
}
