using DreamTime.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Unet;

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
        positional_embedding = new Parameter(torch.randn(1, dim).DividedBy(Math.Sqrt(dim)));
        k_proj = nn.Linear(dim, dim);
        q_proj = nn.Linear(dim, dim);
        v_proj = nn.Linear(dim, dim);
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        long b = x.shape[0], width = x.shape[2], perHead = width / _heads;
        var query = x.mean(new long[] { 1 }, keepdim: true).Plus(positional_embedding.to(x.dtype));
        var tokens = torch.cat(new[] { query, x }, 1);
        Tensor Heads(Tensor t) => t.view(b, -1, _heads, perHead).transpose(1, 2); // [B, heads, n, perHead]
        var q = Heads(q_proj.forward(query));
        var k = Heads(k_proj.forward(tokens));
        var v = Heads(v_proj.forward(tokens));
        var weights = torch.softmax(torch.matmul(q, k.transpose(2, 3)).DividedBy(Math.Sqrt(perHead)), -1);
        return torch.matmul(weights, v).reshape(b, width); // [B, heads, 1, perHead] -> heads concatenated
    }
}
