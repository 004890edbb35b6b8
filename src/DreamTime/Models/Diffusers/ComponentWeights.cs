using System.Text.Json;
using DreamTime.IO;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Models.Diffusers;

/// <summary>
/// The safetensors weights of one component folder: a single file or shards listed by a
/// "*.safetensors.index.json", optionally the fp16 variant ("*.fp16.safetensors", "*.safetensors.index.fp16.json").
/// Only headers are read when opening; tensors are read when loaded.
/// </summary>
public sealed class ComponentWeights
{
    private static readonly string[] BaseNames = { "diffusion_pytorch_model", "model" };

    public string Component { get; }
    /// <summary>The file that names the weights (the single file or the index), for messages.</summary>
    public string Source { get; }
    public IReadOnlyDictionary<string, (SafetensorsFile File, SafetensorsEntry Entry)> Tensors => _tensors;
    private readonly Dictionary<string, (SafetensorsFile, SafetensorsEntry)> _tensors = new(StringComparer.Ordinal);

    private ComponentWeights(string component, string source)
    {
        Component = component;
        Source = source;
    }

    /// <summary>Finds and opens the component's weights. With preferFp16Variant the ".fp16"
    /// files win when present; otherwise they are used only when nothing else exists.</summary>
    public static ComponentWeights Open(string folder, string component, bool preferFp16Variant)
    {
        var candidates = new List<string>();
        foreach (var b in BaseNames)
        {
            var plain = new[] { $"{b}.safetensors", $"{b}.safetensors.index.json" };
            var fp16 = new[] { $"{b}.fp16.safetensors", $"{b}.safetensors.index.fp16.json" };
            candidates.AddRange(preferFp16Variant ? fp16.Concat(plain) : plain.Concat(fp16));
        }
        var found = candidates.Select(n => Path.Combine(folder, n)).FirstOrDefault(File.Exists);
        if (found == null)
        {
            var other = Directory.Exists(folder)
                ? Directory.GetFiles(folder).Select(Path.GetFileName)
                    .Where(n => n!.EndsWith(".bin") || n.EndsWith(".ckpt") || n.EndsWith(".pt")).ToList()
                : new List<string?>();
            var hint = other.Count > 0 ? $"; found only {string.Join(", ", other)} (convert to safetensors)" : "";
            throw new UserError($"{folder}: no {component} weights (expected diffusion_pytorch_model.safetensors, model.safetensors, " +
                $"a *.safetensors.index.json or their .fp16 variants){hint}");
        }
        var w = new ComponentWeights(component, found);
        if (found.EndsWith(".json")) w.AddShards(found);
        else w.AddFile(SafetensorsFile.Open(found));
        return w;
    }

    private void AddFile(SafetensorsFile f)
    {
        foreach (var (name, e) in f.Entries) _tensors[name] = (f, e);
    }

    private void AddShards(string indexPath)
    {
        var folder = Path.GetDirectoryName(indexPath)!;
        Dictionary<string, string> map;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(indexPath), ConfigJson.NoDuplicateKeys);
            map = doc.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name,
                p => p.Value.GetString() ?? throw new InvalidOperationException("null file name"));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            throw new UserError($"{indexPath}: not a safetensors index (needs a \"weight_map\" object of tensor name to file name)");
        }
        var files = new Dictionary<string, SafetensorsFile>();
        foreach (var (name, file) in map)
        {
            if (!files.TryGetValue(file, out var f))
            {
                var p = Path.Combine(folder, file);
                if (!File.Exists(p)) throw new UserError($"{indexPath}: shard {file} is missing");
                files[file] = f = SafetensorsFile.Open(p);
            }
            if (!f.Entries.TryGetValue(name, out var e))
                throw new UserError($"{indexPath}: tensor '{name}' is listed in shard {file} but not stored there");
            _tensors[name] = (f, e);
        }
    }

    /// <summary>
    /// The type this component computes in on <paramref name="device"/>: half-precision weights run in float16 on a
    /// GPU, everything else (and everything on the CPU, where float16 kernels are slow or missing) in float32.
    /// </summary>
    public ScalarType ComputeType(Device device) =>
        device.type == DeviceType.CUDA && StoredFloatType() == ScalarType.Float16 ? ScalarType.Float16 : ScalarType.Float32;

    /// <summary>The dtype most weights are stored in (F16 for fp16 checkpoints).</summary>
    public ScalarType StoredFloatType()
    {
        var counts = _tensors.Values.Where(v => v.Item2.DType is "F16" or "BF16" or "F32" or "F64")
            .GroupBy(v => v.Item2.DType).OrderByDescending(g => g.Sum(x => x.Item2.End - x.Item2.Begin))
            .Select(g => g.Key).FirstOrDefault();
        return counts == null ? ScalarType.Float32 : SafetensorsFile.ToScalarType(counts);
    }

    /// <summary>
    /// Copies the weights into a module's parameters (and floating buffers) by name. Checks, in this order, that
    /// every parameter's stored shape matches the one the config implies (naming the first mismatch and both
    /// shapes), that none is missing and that the file has no weights the config does not explain.
    /// </summary>
    /// <param name="mapKey">turns a stored key into the module's name (null = ignore the stored tensor)</param>
    public void LoadInto(nn.Module module, Func<string, string?> mapKey)
    {
        var stored = new Dictionary<string, string>(StringComparer.Ordinal); // module name -> stored key
        foreach (var key in _tensors.Keys)
        {
            var mapped = mapKey(key);
            if (mapped != null) stored[mapped] = key;
        }
        var targets = module.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();

        foreach (var (name, p) in targets)
        {
            if (!stored.TryGetValue(name, out var key)) continue;
            var shape = _tensors[key].Item2.Shape;
            if (!ShapesCompatible(shape, p.shape))
                throw new UserError($"{Source}: {Component} weight '{key}' has shape [{string.Join(",", shape)}] but the {Component} " +
                    $"config implies [{string.Join(",", p.shape)}]; config.json does not match the weights");
        }
        var missing = targets.Where(t => !stored.ContainsKey(t.name)).Select(t => t.name).ToList();
        if (missing.Count > 0)
            throw new UserError($"{Source}: {missing.Count} {Component} weight(s) that config.json requires are missing: {Names(missing)}");
        var known = targets.Select(t => t.name).ToHashSet();
        var unexpected = stored.Where(kv => !known.Contains(kv.Key)).Select(kv => kv.Value)
            .OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (unexpected.Count > 0)
            throw new UserError($"{Source}: {unexpected.Count} {Component} weight(s) that config.json does not " +
                $"explain: {Names(unexpected)}");

        using var _ = torch.no_grad();
        foreach (var (name, p) in targets)
        {
            var (file, entry) = _tensors[stored[name]];
            using var t = file.Load(entry.Name);
            using var converted = t.to(p.dtype).reshape(p.shape);
            p.copy_(converted);
        }
    }

    /// <summary>
    /// Writes a module's parameters as one safetensors file under the checkpoint's key names (the module's
    /// parameter names, optionally prefixed), converted to dtype when given, with the "format": "pt" metadata
    /// transformers and diffusers write. Atomic.
    /// </summary>
    public static void Save(nn.Module module, string path, ScalarType? dtype = null, string keyPrefix = "")
    {
        using var scope = torch.NewDisposeScope();
        var tensors = module.named_parameters().ToDictionary(
            p => keyPrefix + p.name,
            p => dtype is ScalarType d ? p.parameter.detach().to(d) : p.parameter.detach());
        SafetensorsFile.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    // Old conversions store attention projections as 1x1 convolutions: [o, i, 1, 1] for a linear [o, i].
    private static bool ShapesCompatible(long[] stored, long[] wanted) =>
        stored.SequenceEqual(wanted)
            || (stored.Length > wanted.Length && stored.Take(wanted.Length).SequenceEqual(wanted)
                && stored.Skip(wanted.Length).All(d => d == 1));

    private static string Names(List<string> names) =>
        string.Join(", ", names.Take(5).Select(n => $"'{n}'")) + (names.Count > 5 ? $" (and {names.Count - 5} more)" : "");
}
