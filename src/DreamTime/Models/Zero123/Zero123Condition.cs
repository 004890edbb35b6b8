using static TorchSharp.torch;

namespace DreamTime.Models.Zero123;

/// <summary>
/// What Zero-1-to-3 needs of the input image, computed once and reused at every denoising step.
/// </summary>
/// <param name="ImageEmbeds">[1, 1, projection_dim] float32: the CLIP image embedding (before the pose is appended)</param>
/// <param name="ImageLatents">[1, latent_channels, h, w] float32: the VAE posterior mode of the image, without scaling_factor</param>
public sealed record Zero123Condition(Tensor ImageEmbeds, Tensor ImageLatents) : IDisposable
{
    public void Dispose()
    {
        ImageEmbeds.Dispose();
        ImageLatents.Dispose();
    }
}
