using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Zero123;

/// <summary>
/// Zero-1-to-3's camera conditioning: one linear layer from [image embedding, 4 pose features] back to the
/// embedding size; its output is the UNet's one-token cross-attention context.
/// </summary>
public sealed class CCProjection : nn.Module
{
    private readonly Linear projection;

    public CCProjectionConfig Config { get; }

    public CCProjection(CCProjectionConfig c) : base(nameof(CCProjection))
    {
        Config = c;
        projection = nn.Linear(c.InChannel, c.OutChannel);
        RegisterComponents();
    }

    /// <param name="x">[..., in_channel]</param>
    public Tensor Forward(Tensor x) => projection.forward(x);
}
