using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Unet;

/// <summary>GELU-gated linear unit: one projection to twice the width, the second half gates the first through GELU.</summary>
public sealed class GatedGelu : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj;

    public GatedGelu(long dim, long inner) : base(nameof(GatedGelu))
    {
        proj = nn.Linear(dim, inner * 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var parts = proj.forward(x).chunk(2, -1);
        return parts[0] * nn.functional.gelu(parts[1]);
    }
}
