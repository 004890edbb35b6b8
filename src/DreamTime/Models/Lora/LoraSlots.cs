using DreamTime.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Models.Lora;

/// <summary>
/// The adapters attached to one attention module's projections. Held outside the module's registered components,
/// so attaching adapters never changes the module's state_dict (its checkpoint keys stay diffusers').
/// </summary>
public sealed class LoraSlots
{
    private readonly Dictionary<string, LoraAdapter> _adapters = new();

    public void Attach(string projection, LoraAdapter adapter) => _adapters[projection] = adapter;

    public void Detach(string projection) => _adapters.Remove(projection);

    /// <summary>The projection's output, plus its adapter's update when one is attached and enabled.</summary>
    public Tensor Project(string projection, Linear layer, Tensor x)
    {
        var y = layer.forward(x);
        if (_adapters.Count == 0 || !_adapters.TryGetValue(projection, out var a) || !a.Enabled) return y;
        using var delta = a.Forward(x);
        return y.Plus(delta);
    }
}
