using DreamTime.Models.Layers;
using DreamTime.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Vae;

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
        return new LatentDistribution(parts[0], parts[1].clamp(Scalars.Of(-30.0), Scalars.Of(20.0)));
    }

    public Tensor Decode(Tensor latents)
    {
        var z = post_quant_conv != null ? post_quant_conv.forward(latents) : latents;
        return decoder.Forward(z);
    }
}
