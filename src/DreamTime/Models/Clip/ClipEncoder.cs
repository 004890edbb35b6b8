using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Clip;

public sealed class ClipEncoder : nn.Module
{
    private readonly ModuleList<ClipEncoderLayer> layers;

    public ClipEncoder(ClipTextConfig c) : this(Enumerable.Range(0, c.NumHiddenLayers).Select(_ => new ClipEncoderLayer(c)))
    {
    }

    public ClipEncoder(IEnumerable<ClipEncoderLayer> layers) : base(nameof(ClipEncoder))
    {
        this.layers = nn.ModuleList(layers.ToArray());
        RegisterComponents();
    }

    public Tensor Forward(Tensor x)
    {
        foreach (var l in layers) x = l.Forward(x);
        return x;
    }
}
