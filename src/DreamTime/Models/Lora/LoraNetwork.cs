using DreamTime.Optimization;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace DreamTime.Models.Lora;

/// <summary>
/// Trainable adapters attached to every targeted projection of one model (a UNet or a CLIP text model). The base
/// weights stay untouched: switching the network off gives the base model back exactly, which is how VSD runs the
/// frozen prior and its LoRA copy on one set of weights. Adapters are created in the order of the model's modules,
/// from one generator, so a seed gives the same network.
/// </summary>
public sealed class LoraNetwork : IDisposable
{
    private readonly List<(ILoraTarget Module, string Projection)> _slots = new();
    private readonly Dictionary<string, LoraAdapter> _adapters = new();

    /// <summary>"unet" or "text_encoder": the component prefix of its file keys.</summary>
    public string Component { get; }
    public LoraSettings Settings { get; }
    /// <summary>Adapters by the path of the linear they adapt
    /// (e.g. "down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q").</summary>
    public IReadOnlyDictionary<string, LoraAdapter> Adapters => _adapters;

    private LoraNetwork(string component, LoraSettings settings)
    {
        Component = component;
        Settings = settings;
    }

    public static LoraNetwork Attach(nn.Module model, string component, LoraSettings settings, Generator? generator)
    {
        settings.Validate();
        var net = new LoraNetwork(component, settings);
        foreach (var (path, module) in model.named_modules())
        {
            if (module is not ILoraTarget target) continue;
            foreach (var (projection, linear) in target.Projections)
            {
                if (!settings.Adapts(projection)) continue;
                var adapter = new LoraAdapter(linear.weight!.shape[1], linear.weight.shape[0], settings.Rank, settings.EffectiveAlpha,
                    linear.weight.device, generator);
                target.Lora.Attach(projection, adapter);
                net._slots.Add((target, projection));
                net._adapters[$"{path}.{projection}"] = adapter;
            }
        }
        if (net._adapters.Count == 0)
            throw new ArgumentException($"the {component} has no attention projection named {string.Join(", ", settings.Targets ?? [])}");
        return net;
    }

    /// <summary>Switches every adapter on or off.</summary>
    public bool Enabled
    {
        set { foreach (var a in _adapters.Values) a.Enabled = value; }
    }

    /// <summary>A, then B, of every adapter, in module order (the order checkpoints save them in).</summary>
    public IReadOnlyList<Parameter> Parameters => _adapters.Values.SelectMany(a => new[] { a.Down, a.Up }).ToList();

    public ParameterGroup Group(string name, double learningRate, OptimizerSettings optimizer) =>
        new(name, Parameters, learningRate, optimizer);

    /// <summary>The network as file layers (the tensors are the adapters' own: write them before disposing).</summary>
    public IReadOnlyList<LoraLayerWeights> ToLayers() =>
        _adapters.Select(kv => new LoraLayerWeights(Component, kv.Key, false, kv.Value.Down, kv.Value.Up, kv.Value.Alpha,
            $"{Component}.{kv.Key}")).ToList();

    /// <summary>Removes the adapters from the model and frees them.</summary>
    public void Dispose()
    {
        foreach (var (module, projection) in _slots) module.Lora.Detach(projection);
        foreach (var a in _adapters.Values) a.Dispose();
        _slots.Clear();
        _adapters.Clear();
    }
}
