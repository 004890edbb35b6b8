using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Models.Lora;

/// <summary>
/// Merges LoRA layers into a model's weights, W += scale (alpha / r) B A, as diffusers' fuse_lora does: after it
/// the model runs at its usual cost. Any linear or 1x1 convolution weight can be the target (users' files adapt
/// more than attention); every layer is checked against the model before any weight changes, so a file that does
/// not fit leaves the model as it was.
/// </summary>
public static class LoraMerge
{
    /// <param name="models">the components by name ("unet" and "text_encoder"): each layer goes to its own</param>
    /// <param name="source">the file, for errors</param>
    /// <returns>how many layers were merged</returns>
    public static int Apply(IReadOnlyDictionary<string, nn.Module> models, IEnumerable<LoraLayerWeights> layers, double scale,
        string source)
    {
        var weights = new Dictionary<string, (string Path, Tensor Weight)>(StringComparer.Ordinal);
        foreach (var (component, model) in models)
            foreach (var (name, p) in model.named_parameters())
            {
                if (!name.EndsWith(".weight", StringComparison.Ordinal) || p.dim() is not (2 or 4)) continue;
                var module = name[..^".weight".Length];
                weights[$"{component}:{module}"] = (module, p);
                weights.TryAdd($"{component}:flat:{module.Replace('.', '_')}", (module, p));
            }
        var plan = new List<(LoraLayerWeights Layer, Tensor Weight)>();
        foreach (var l in layers)
        {
            var component = l.Component;
            if (!weights.TryGetValue(l.Flattened ? $"{component}:flat:{l.Module}" : $"{component}:{l.Module}", out var target))
                throw new UserError($"{source}: LoRA key '{l.Key}' matches no module of the {component} " +
                    $"(A {LoraFile.Shape(l.Down.shape)}, " +
                    $"B {LoraFile.Shape(l.Up.shape)}); the file was made for another model");
            var w = target.Weight;
            var expected = w.dim() == 2 ? new[] { l.Up.shape[0], l.Down.shape[1] } : new[] { l.Up.shape[0], l.Down.shape[1], 1L, 1L };
            if (!w.shape.SequenceEqual(expected) || l.Down.dim() != w.dim())
                throw new UserError($"{source}: LoRA '{l.Key}' gives B·A of shape {LoraFile.Shape(expected)} but {component} " +
                    $"'{target.Path}.weight' has shape {LoraFile.Shape(w.shape)}; the file was made for another model");
            plan.Add((l, w));
        }
        using var _ = torch.no_grad();
        foreach (var (l, w) in plan)
        {
            using var scope = torch.NewDisposeScope();
            var up = l.Up.to(ScalarType.Float32).flatten(1).to(w.device);
            var down = l.Down.to(ScalarType.Float32).flatten(1).to(w.device);
            var delta = up.matmul(down).Times(scale * l.Alpha / l.Rank).reshape(w.shape);
            w.copy_(w.to(ScalarType.Float32).Plus(delta).to(w.dtype));
        }
        return plan.Count;
    }

    /// <summary>Reads a LoRA file and merges it (<see cref="Apply"/>), freeing the file's tensors after.</summary>
    public static int ApplyFile(IReadOnlyDictionary<string, nn.Module> models, LoraReference lora)
    {
        var layers = LoraFile.Read(lora.File);
        try
        {
            return Apply(models, layers, lora.Scale, lora.File);
        }
        finally
        {
            foreach (var l in layers) { l.Down.Dispose(); l.Up.Dispose(); }
        }
    }
}
