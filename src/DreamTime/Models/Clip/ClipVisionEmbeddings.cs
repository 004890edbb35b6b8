using DreamTime.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Clip;

public sealed class ClipVisionEmbeddings : nn.Module
{
    private readonly Parameter class_embedding;
    private readonly Conv2d patch_embedding;
    private readonly Embedding position_embedding;
    private readonly ClipVisionConfig _c;

    public ClipVisionEmbeddings(ClipVisionConfig c) : base(nameof(ClipVisionEmbeddings))
    {
        _c = c;
        class_embedding = new Parameter(torch.zeros(c.HiddenSize));
        patch_embedding = nn.Conv2d(c.NumChannels, c.HiddenSize, c.PatchSize, stride: c.PatchSize, bias: false);
        position_embedding = nn.Embedding(c.Positions, c.HiddenSize);
        RegisterComponents();
        // A new Parameter, and nn.Embedding's weight, join the dispose scope current at construction (measured with
        // TorchSharp 0.107), so a model built inside a caller's scope would lose them when that scope ends.
        foreach (var p in parameters()) p.DetachFromDisposeScope();
    }

    /// <summary>[class token, patch tokens in row-major order] plus their position embeddings: [B, 1 + patches, hidden].</summary>
    public Tensor Forward(Tensor pixels)
    {
        long b = pixels.shape[0];
        var patches = patch_embedding.forward(pixels).flatten(2).transpose(1, 2);
        var cls = class_embedding.to(patches.dtype).expand(b, 1, _c.HiddenSize);
        using var positions = ScalarArithmetic.Arange(_c.Positions, ScalarType.Int64, pixels.device);
        return torch.cat(new[] { cls, patches }, 1).Plus(position_embedding.forward(positions).unsqueeze(0));
    }
}
