using System.Text.Json;
using System.Text.Json.Nodes;
using DreamTime.Runtime;

namespace DreamTime.Models.Clip;

/// <summary>Reads vocab.json, merges.txt, tokenizer_config.json and special_tokens_map.json.</summary>
internal static class ClipTokenizerFiles
{
    public const string VocabFile = "vocab.json";
    public const string MergesFile = "merges.txt";
    public const string ConfigFile = "tokenizer_config.json";
    public const string SpecialTokensFile = "special_tokens_map.json";

    /// <summary>CLIP text encoders have 77 positions; used when tokenizer_config.json gives no model_max_length.</summary>
    public const int DefaultMaxLength = 77;

    /// <summary>
    /// CLIP's vocabulary holds 256 byte symbols, 256 end-of-word byte symbols, 2 special tokens and this many
    /// merges; transformers reads no merges past it, so neither do we.
    /// </summary>
    public const int MaxMerges = 49152 - 256 - 2;

    private static readonly JsonSerializerOptions VocabJson = new() { AllowDuplicateProperties = false };

    public static Dictionary<string, int> ReadVocab(string dir)
    {
        var path = Required(dir, VocabFile);
        Dictionary<string, int>? vocab;
        try { vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(path), VocabJson); }
        catch (JsonException e) { throw new UserError($"{path}: not a JSON object of token -> id ({OneLine(e.Message)})"); }
        if (vocab == null || vocab.Count == 0) throw new UserError($"{path}: the vocabulary is empty");
        return vocab;
    }

    public static List<(string, string)> ReadMerges(string dir)
    {
        var path = Required(dir, MergesFile);
        var lines = File.ReadAllText(path).Trim().Split('\n');
        var merges = new List<(string, string)>(Math.Min(lines.Length, MaxMerges));
        // The first line of a merges file is its "#version" header, not a merge.
        int start = lines.Length > 0 && lines[0].StartsWith("#version", StringComparison.Ordinal) ? 1 : 0;
        for (int i = start; i < lines.Length && merges.Count < MaxMerges; i++)
        {
            var parts = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) continue;
            if (parts.Length != 2)
                throw new UserError($"{path} line {i + 1}: expected two symbols separated by a space, got '{OneLine(lines[i].Trim())}'");
            merges.Add((parts[0], parts[1]));
        }
        if (merges.Count == 0) throw new UserError($"{path}: no merges found");
        return merges;
    }

    /// <summary>
    /// Special tokens come from tokenizer_config.json, overridden by special_tokens_map.json where that names
    /// them (the order transformers applies); defaults are CLIP's.
    /// </summary>
    public static ClipTokenizerSettings ReadSettings(string dir)
    {
        var tokens = new Dictionary<string, NamedToken>
        {
            ["bos_token"] = new("<|startoftext|>", "CLIP's defaults"),
            ["eos_token"] = new("<|endoftext|>", "CLIP's defaults"),
            ["pad_token"] = new("<|endoftext|>", "CLIP's defaults"),
            ["unk_token"] = new("<|endoftext|>", "CLIP's defaults"),
        };
        int maxLength = DefaultMaxLength;
        var added = new Dictionary<string, int>();

        var configPath = Path.Combine(dir, ConfigFile);
        if (File.Exists(configPath))
        {
            var config = ReadObject(configPath);
            ReadTokens(config, configPath, tokens);
            if (config.TryGetProperty("model_max_length", out var m) && m.ValueKind != JsonValueKind.Null)
            {
                if (m.ValueKind != JsonValueKind.Number || !m.TryGetInt32(out maxLength) || maxLength < 2 || maxLength > 1_000_000)
                    throw new UserError($"{configPath}: model_max_length must be an integer from 2 to 1000000, got {m.GetRawText()}");
            }
            if (config.TryGetProperty("added_tokens_decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object)
                foreach (var entry in decoder.EnumerateObject())
                {
                    if (!int.TryParse(entry.Name, out int id) || TokenContent(entry.Value) is not { } content)
                        throw new UserError($"{configPath}: added_tokens_decoder entry '{entry.Name}' needs an integer id and " +
                            "a \"content\" string");
                    added[content] = id;
                }
        }
        var mapPath = Path.Combine(dir, SpecialTokensFile);
        if (File.Exists(mapPath)) ReadTokens(ReadObject(mapPath), mapPath, tokens);

        return new ClipTokenizerSettings(tokens["bos_token"], tokens["eos_token"], tokens["pad_token"], tokens["unk_token"], maxLength,
            added);
    }

    /// <summary>Copies the folder's files into dir; a missing JSON config is written from the settings read (defaults included).</summary>
    public static void Write(string sourceDir, ClipTokenizerSettings settings, string dir)
    {
        Directory.CreateDirectory(dir);
        foreach (var name in new[] { VocabFile, MergesFile })
            File.Copy(Required(sourceDir, name), Path.Combine(dir, name), overwrite: true);
        var tokens = new JsonObject
        {
            ["bos_token"] = settings.Bos.Content,
            ["eos_token"] = settings.Eos.Content,
            ["pad_token"] = settings.Pad.Content,
            ["unk_token"] = settings.Unk.Content,
        };
        var config = (JsonObject)tokens.DeepClone();
        config["model_max_length"] = settings.MaxLength;
        config["tokenizer_class"] = "CLIPTokenizer";
        foreach (var (name, content) in new[] { (ConfigFile, config), (SpecialTokensFile, tokens) })
        {
            var source = Path.Combine(sourceDir, name);
            var target = Path.Combine(dir, name);
            if (File.Exists(source)) File.Copy(source, target, overwrite: true);
            else File.WriteAllText(target, content.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
    }

    private static void ReadTokens(JsonElement root, string path, Dictionary<string, NamedToken> tokens)
    {
        foreach (var key in tokens.Keys.ToArray())
        {
            if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null) continue;
            var content = TokenContent(value)
                ?? throw new UserError($"{path}: {key} must be a string or an object with a \"content\" string");
            if (content.Length == 0) throw new UserError($"{path}: {key} is empty");
            tokens[key] = new NamedToken(content, path);
        }
    }

    /// <summary>A token is written either as a plain string or as an AddedToken object with "content".</summary>
    private static string? TokenContent(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Object when value.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
        _ => null,
    };

    private static JsonElement ReadObject(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path), IO.ConfigJson.NoDuplicateKeys);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new UserError($"{path}: expected a JSON object");
            return doc.RootElement.Clone();
        }
        catch (JsonException e) { throw new UserError($"{path}: not valid JSON ({OneLine(e.Message)})"); }
    }

    private static string Required(string dir, string name)
    {
        var path = Path.Combine(dir, name);
        if (!File.Exists(path)) throw new UserError($"{path} not found: a CLIP tokenizer folder needs {VocabFile} and {MergesFile}");
        return path;
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");
}
