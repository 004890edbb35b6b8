using System.Globalization;
using System.Text.Json.Nodes;
using DreamTime.IO;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Models.Lora;

/// <summary>
/// LoRA safetensors in the two layouts users have (<see cref="LoraLayout"/>). diffusers' files carry no alpha
/// (it is then the rank, a scale of 1) unless their metadata's "lora_adapter_metadata" gives one per component,
/// which is where this writer puts it; kohya files keep one ".alpha" tensor per layer.
/// </summary>
public static class LoraFile
{
    public const string MetadataKey = "lora_adapter_metadata";
    private const string KohyaUnet = "lora_unet_", KohyaText = "lora_te_";

    public static IReadOnlyList<LoraLayerWeights> Read(string path)
    {
        if (!File.Exists(path)) throw new UserError($"{path}: no such LoRA file");
        var file = SafetensorsFile.Open(path);
        var keys = file.Entries.Keys.ToList();
        if (keys.Any(k => k.EndsWith(".lora_A.weight", StringComparison.Ordinal) || k.EndsWith(".lora_B.weight", StringComparison.Ordinal)))
            return ReadDiffusers(file, keys);
        if (keys.Any(k => k.EndsWith(".lora_down.weight", StringComparison.Ordinal)))
            return ReadKohya(file, keys);
        throw new UserError($"{path}: no LoRA weights found (expected diffusers' '...lora_A.weight' / '...lora_B.weight' or kohya's " +
            $"'lora_unet_....lora_down.weight' keys; the first key is '{keys.FirstOrDefault() ?? "(none)"}')");
    }

    private static IReadOnlyList<LoraLayerWeights> ReadDiffusers(SafetensorsFile file, List<string> keys)
    {
        var alphas = MetadataAlphas(file);
        var layers = new List<LoraLayerWeights>();
        foreach (var aKey in keys.Where(k => k.EndsWith(".lora_A.weight", StringComparison.Ordinal)))
        {
            var stem = aKey[..^".lora_A.weight".Length];
            var bKey = stem + ".lora_B.weight";
            if (!file.Contains(bKey)) throw new UserError($"{file.Path}: '{aKey}' has no matching '{bKey}'");
            var (component, module) = SplitComponent(file.Path, stem, aKey);
            var down = file.Load(aKey);
            double alpha = alphas.TryGetValue(component, out var a) ? a : down.shape[0];
            layers.Add(Checked(file.Path, new LoraLayerWeights(component, module, false, down, file.Load(bKey), alpha, aKey)));
        }
        foreach (var bKey in keys.Where(k => k.EndsWith(".lora_B.weight", StringComparison.Ordinal)))
            if (!file.Contains(bKey[..^".lora_B.weight".Length] + ".lora_A.weight"))
                throw new UserError($"{file.Path}: '{bKey}' has no matching lora_A weight");
        return layers;
    }

    private static (string Component, string Module) SplitComponent(string path, string stem, string key)
    {
        if (stem.StartsWith("unet.", StringComparison.Ordinal)) return ("unet", stem["unet.".Length..]);
        if (stem.StartsWith("text_encoder.", StringComparison.Ordinal))
        {
            var module = stem["text_encoder.".Length..];
            return ("text_encoder", module.StartsWith("text_model.", StringComparison.Ordinal) ? module["text_model.".Length..] : module);
        }
        throw new UserError($"{path}: LoRA key '{key}' names neither the unet nor the text_encoder (it should start with 'unet.' " +
            "or 'text_encoder.')");
    }

    private static Dictionary<string, double> MetadataAlphas(SafetensorsFile file)
    {
        var result = new Dictionary<string, double>();
        if (!file.Metadata.TryGetValue(MetadataKey, out var json)) return result;
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (System.Text.Json.JsonException e)
        {
            throw new UserError($"{file.Path}: metadata '{MetadataKey}' is not JSON ({e.Message})");
        }
        if (root is not JsonObject o) return result;
        foreach (var (component, node) in o)
            if (node is JsonObject c && c["lora_alpha"] is JsonValue v && v.TryGetValue<double>(out var alpha))
            {
                if (!double.IsFinite(alpha) || alpha <= 0)
                    throw new UserError($"{file.Path}: metadata gives {component} lora_alpha {alpha}; it must be positive");
                result[component] = alpha;
            }
        return result;
    }

    private static IReadOnlyList<LoraLayerWeights> ReadKohya(SafetensorsFile file, List<string> keys)
    {
        var layers = new List<LoraLayerWeights>();
        foreach (var downKey in keys.Where(k => k.EndsWith(".lora_down.weight", StringComparison.Ordinal)))
        {
            var stem = downKey[..^".lora_down.weight".Length];
            var upKey = stem + ".lora_up.weight";
            if (!file.Contains(upKey)) throw new UserError($"{file.Path}: '{downKey}' has no matching '{upKey}'");
            string component, flat;
            if (stem.StartsWith(KohyaUnet, StringComparison.Ordinal)) (component, flat) = ("unet", stem[KohyaUnet.Length..]);
            else if (stem.StartsWith(KohyaText, StringComparison.Ordinal))
            {
                flat = stem[KohyaText.Length..];
                if (flat.StartsWith("text_model_", StringComparison.Ordinal)) flat = flat["text_model_".Length..];
                component = "text_encoder";
            }
            else throw new UserError($"{file.Path}: LoRA key '{downKey}' names neither the unet ('lora_unet_') nor the text " +
                "encoder ('lora_te_'); SDXL's second text encoder and other architectures are not supported");
            var down = file.Load(downKey);
            double alpha = down.shape[0];
            if (file.Contains(stem + ".alpha"))
            {
                using var a = file.Load(stem + ".alpha");
                if (a.numel() != 1) throw new UserError($"{file.Path}: '{stem}.alpha' has {a.numel()} values; it must be one number");
                alpha = a.to(ScalarType.Float64).ReadDouble();
                if (!double.IsFinite(alpha) || alpha <= 0)
                    throw new UserError($"{file.Path}: '{stem}.alpha' is {alpha}; it must be positive");
            }
            layers.Add(Checked(file.Path, new LoraLayerWeights(component, flat, true, down, file.Load(upKey), alpha, downKey)));
        }
        return layers;
    }

    /// <summary>A and B must chain (A [r, in, (1, 1)], B [out, r, (1, 1)]); 3x3 convolution LoRAs (LoCon) are refused.</summary>
    private static LoraLayerWeights Checked(string path, LoraLayerWeights l)
    {
        var (d, u) = (l.Down.shape, l.Up.shape);
        bool linear = d.Length == 2 && u.Length == 2;
        bool pointwise = d.Length == 4 && u.Length == 4 && d[2] == 1 && d[3] == 1 && u[2] == 1 && u[3] == 1;
        if (!linear && !pointwise)
            throw new UserError($"{path}: LoRA '{l.Key}' has A {Shape(d)} and B {Shape(u)}; only linear and 1x1 convolution " +
                "layers are supported");
        if (u[1] != d[0])
            throw new UserError($"{path}: LoRA '{l.Key}' has A {Shape(d)} (rank {d[0]}) but B {Shape(u)} (rank {u[1]})");
        return l;
    }

    public static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>Writes layers (e.g. a trained <see cref="LoraNetwork"/>'s) in one layout, atomically.</summary>
    public static void Write(string path, IEnumerable<LoraLayerWeights> layers, LoraLayout layout)
    {
        var tensors = new Dictionary<string, Tensor>();
        var alphas = new Dictionary<string, (double Alpha, int Rank)>();
        var owned = new List<Tensor>();
        try
        {
            foreach (var l in layers)
            {
                if (l.Flattened)
                    throw new ArgumentException($"layer '{l.Key}' has a flattened kohya name; resolve it against a model first");
                if (layout == LoraLayout.Diffusers)
                {
                    var stem = $"{l.Component}.{(l.Component == "text_encoder" ? "text_model." : "")}{l.Module}";
                    tensors[stem + ".lora_A.weight"] = l.Down;
                    tensors[stem + ".lora_B.weight"] = l.Up;
                    if (alphas.TryGetValue(l.Component, out var seen) && seen.Alpha != l.Alpha)
                        throw new ArgumentException(
                            $"the diffusers layout keeps one alpha per component; {l.Component} has {seen.Alpha} and {l.Alpha}");
                    alphas[l.Component] = (l.Alpha, l.Rank);
                }
                else
                {
                    var stem = (l.Component == "unet" ? KohyaUnet : KohyaText + "text_model_") + l.Module.Replace('.', '_');
                    tensors[stem + ".lora_down.weight"] = l.Down;
                    tensors[stem + ".lora_up.weight"] = l.Up;
                    var alpha = torch.tensor((float)l.Alpha);
                    owned.Add(alpha);
                    tensors[stem + ".alpha"] = alpha;
                }
            }
            var metadata = new Dictionary<string, string> { ["format"] = "pt" };
            if (layout == LoraLayout.Diffusers)
            {
                var meta = new JsonObject();
                foreach (var (component, (alpha, rank)) in alphas)
                    meta[component] = new JsonObject { ["r"] = rank, ["lora_alpha"] = alpha };
                metadata[MetadataKey] = meta.ToJsonString();
            }
            SafetensorsFile.Save(path, tensors, metadata);
        }
        finally
        {
            foreach (var t in owned) t.Dispose();
        }
    }

    /// <summary>Parses "FILE" or "FILE:SCALE" (the --lora option's form).</summary>
    public static LoraReference ParseReference(string text, string option = "--lora")
    {
        int colon = text.LastIndexOf(':');
        if (colon > 0 && double.TryParse(text[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var scale))
        {
            if (!double.IsFinite(scale)) throw new UserError($"{option}: scale '{text[(colon + 1)..]}' in '{text}' is not a finite number");
            return new LoraReference(text[..colon], scale);
        }
        return new LoraReference(text, 1);
    }
}
