using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Clip;

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
        if (pixels.ndim != 4 || pixels.shape[1] != Config.NumChannels || pixels.shape[2] != Config.ImageSize
            || pixels.shape[3] != Config.ImageSize)
            throw new ArgumentException($"image encoder: expected pixels [B,{Config.NumChannels},{Config.ImageSize},{Config.ImageSize}], " +
                $"got [{string.Join(",", pixels.shape)}]");
        var (last, pooled) = vision_model.Forward(pixels);
        return new ClipVisionOutput(visual_projection.forward(pooled), last, pooled);
    }

    /// <summary>transformers may store the position-id buffer; it is arange, so it carries nothing to load.</summary>
    public static string? CheckpointKey(string key) => key == "vision_model.embeddings.position_ids" ? null : key;
}
