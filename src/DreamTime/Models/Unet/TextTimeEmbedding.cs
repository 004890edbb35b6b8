using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Unet;

/// <summary>
/// diffusers' TextTimeEmbedding (addition_embed_type "text"): the text embeddings pooled by one attention query
/// into a vector that is added to the timestep embedding, so that the caption reaches every ResNet block as a
/// global signal and not only the cross-attention layers. Parameter names equal diffusers' keys under
/// add_embedding.
/// </summary>
public sealed class TextTimeEmbedding : nn.Module
{
    private readonly LayerNorm norm1, norm2;
    private readonly AttentionPooling pool;
    private readonly Linear proj;

    public TextTimeEmbedding(long encoderDim, long timeEmbedDim, int heads) : base(nameof(TextTimeEmbedding))
    {
        norm1 = nn.LayerNorm(encoderDim, 1e-5);
        pool = new AttentionPooling(heads, encoderDim);
        proj = nn.Linear(encoderDim, timeEmbedDim);
        norm2 = nn.LayerNorm(timeEmbedDim, 1e-5);
        RegisterComponents();
    }

    /// <param name="context">[B, tokens, encoder_dim]</param>
    /// <returns>[B, time_embed_dim]</returns>
    public Tensor Forward(Tensor context) => norm2.forward(proj.forward(pool.Forward(norm1.forward(context))));
}
