using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Clip;

public sealed class ClipMlp : nn.Module
{
    private readonly Linear fc1, fc2;
    private readonly Func<Tensor, Tensor> _act;

    public ClipMlp(long dim, long inner, Func<Tensor, Tensor> act) : base(nameof(ClipMlp))
    {
        fc1 = nn.Linear(dim, inner);
        fc2 = nn.Linear(inner, dim);
        _act = act;
        RegisterComponents();
    }

    public Tensor Forward(Tensor x) => fc2.forward(_act(fc1.forward(x)));
}
