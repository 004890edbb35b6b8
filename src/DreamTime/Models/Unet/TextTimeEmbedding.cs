using TorchSharp;
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

/// <summary>
/// diffusers' AttentionPooling: the query is the token mean plus a learned vector; keys and values are that query
/// token followed by every token; heads are concatenated with no output projection.
/// </summary>
public sealed class AttentionPooling : nn.Module
{
    private readonly Parameter positional_embedding;
    private readonly Linear k_proj, q_proj, v_proj;
    private readonly int _heads;

    public AttentionPooling(int heads, long dim) : base(nameof(AttentionPooling))
    {
        if (heads < 1 || dim % heads != 0) throw new ArgumentException($"attention pooling: width {dim} is not divisible by {heads} heads");
        _heads = heads;
        positional_embedding = new Parameter(torch.randn(1, dim) / Math.Sqrt(dim));
        k_proj = nn.Linear(dim, dim);
        q_proj = nn.Linear(dim, dim);
        v_proj = nn.Linear(dim, dim);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        long b = x.shape[0], width = x.shape[2], perHead = width / _heads;
        var query = x.mean(new long[] { 1 }, keepdim: true) + positional_embedding.to(x.dtype);
        var tokens = torch.cat(new[] { query, x }, 1);
        Tensor Heads(Tensor t) => t.view(b, -1, _heads, perHead).transpose(1, 2); // [B, heads, n, perHead]
        var q = Heads(q_proj.forward(query));
        var k = Heads(k_proj.forward(tokens));
        var v = Heads(v_proj.forward(tokens));
        var weights = torch.softmax(torch.matmul(q, k.transpose(2, 3)) / Math.Sqrt(perHead), -1);
        return torch.matmul(weights, v).reshape(b, width); // [B, heads, 1, perHead] -> heads concatenated
    }
}
