using DreamTime.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Clip;

public sealed class ClipEmbeddings : nn.Module
{
    private readonly Embedding token_embedding, position_embedding;

    public ClipEmbeddings(ClipTextConfig c) : base(nameof(ClipEmbeddings))
    {
        token_embedding = nn.Embedding(c.VocabSize, c.HiddenSize);
        position_embedding = nn.Embedding(c.MaxPositionEmbeddings, c.HiddenSize);
        RegisterComponents();
        // nn.Embedding's weight joins the dispose scope current at construction (TorchSharp 0.107): a text model built
        // inside a caller's scope would lose both embeddings when that scope ends (see ClipVisionEmbeddings)
        foreach (var p in parameters()) p.DetachFromDisposeScope();
    }

    public Tensor Forward(Tensor ids)
    {
        using var positions = ScalarArithmetic.Arange(ids.shape[1], ScalarType.Int64, ids.device);
        return token_embedding.forward(ids).Plus(position_embedding.forward(positions).unsqueeze(0));
    }
}
