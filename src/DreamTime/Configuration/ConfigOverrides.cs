using System.Text.Json;
using System.Text.Json.Nodes;
using DreamTime.IO;
using DreamTime.Runtime;

namespace DreamTime.Configuration;

/// <summary>
/// Changes to a configuration by key path, as threestudio's command-line overrides do: `guidance.guidance_scale=50`.
/// Keys are config.json's snake_case names. Setting a section's "type" to another component replaces the section
/// with that component's defaults, since the old component's keys mean nothing to the new one.
/// </summary>
public static class ConfigOverrides
{
    /// <summary>The default configuration as a JSON tree (every key present).</summary>
    public static JsonObject Defaults() => new TrainConfig().ToJsonObject();

    /// <summary>Reads a config.json-format file as a JSON tree; a missing or malformed file is a UserError naming it.</summary>
    public static JsonObject Load(string path, string option = "configuration file")
    {
        if (!File.Exists(path)) throw new UserError($"{option} {path}: file not found");
        JsonObject tree;
        try
        {
            tree = JsonNode.Parse(File.ReadAllText(path), documentOptions: ConfigJson.NoDuplicateKeys) as JsonObject
                ?? throw new UserError($"{option} {path}: not a JSON object");
        }
        catch (JsonException e) { throw new UserError($"{option} {path}: invalid JSON ({e.Message.Split('\n')[0]})"); }
        if (FirstUnreadableString(tree) is { } bad) throw new UserError($"{option} {path}: {bad}");
        return tree;
    }

    /// <summary>"KEY=VALUE" with VALUE read as JSON where it parses (numbers, true, null, arrays) and as a string otherwise.</summary>
    public static void Apply(JsonObject root, string assignment, string option = "override")
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0) throw new UserError($"{option} {assignment}: expected KEY=VALUE, e.g. guidance.guidance_scale=50");
        var value = ParseValue(assignment[(eq + 1)..]);
        if (FirstUnreadableString(value) is { } bad) throw new UserError($"{option} {assignment[..eq].Trim()}: {bad}");
        Set(root, assignment[..eq].Trim(), value, $"{option} {assignment[..eq].Trim()}");
    }

    public static JsonNode? ParseValue(string raw)
    {
        try { return JsonNode.Parse(raw, documentOptions: ConfigJson.NoDuplicateKeys); }
        catch (JsonException) { return JsonValue.Create(raw); }
    }

    /// <summary>A JSON string escape such as "\ud800" parses but is not text;
    /// System.Text.Json throws InvalidOperationException when it is read.</summary>
    private static string? FirstUnreadableString(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                return o.Select(kv => FirstUnreadableString(kv.Value)).FirstOrDefault(s => s != null);
            case JsonArray a:
                return a.Select(FirstUnreadableString).FirstOrDefault(s => s != null);
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                try { v.GetValue<string>(); return null; }
                catch (InvalidOperationException e) { return $"the value is not valid text ({e.Message})"; }
            default:
                return null;
        }
    }

    /// <summary>
    /// Sets an existing key (a path of snake_case names separated by dots; a list element by its index,
    /// `stages.1.iterations`, or every element by `*`, `stages.*.timesteps.strategy`); an unknown key is a UserError
    /// naming it and its neighbours. Setting "pipeline" replaces the stages with the preset's.
    /// </summary>
    public static void Set(JsonObject root, string path, JsonNode? value, string what)
    {
        var parts = path.Split('.');
        if (Array.IndexOf(parts, "*") is int star and >= 0)
        {
            var list = Resolve(root, parts[..star], what) as JsonArray
                ?? throw new UserError($"{what}: '{string.Join('.', parts[..star])}' is not a list of the configuration");
            for (int i = 0; i < list.Count; i++)
                Set(root, string.Join('.', parts[..star].Append(i.ToString()).Concat(parts[(star + 1)..])), value, what);
            return;
        }
        var parent = Resolve(root, parts[..^1], what);
        var key = parts[^1];
        if (parent is JsonArray array)
        {
            if (!int.TryParse(key, out int index) || index < 0 || index >= array.Count)
                throw new UserError($"{what}: '{string.Join('.', parts[..^1])}' has {array.Count} elements; '{key}' is not one of " +
                    $"0..{array.Count - 1}");
            array[index] = value?.DeepClone();
            return;
        }
        var node = (JsonObject)parent;
        if (!node.ContainsKey(key))
        {
            var section = parts.Length > 1 ? string.Join('.', parts[..^1]) : "the configuration";
            var type = node["type"] is JsonValue t ? $" ({t.GetValue<string>()})" : "";
            throw new UserError($"{what}: {section}{type} has no key '{key}'; its keys: {string.Join(", ", node.Select(kv => kv.Key))}");
        }
        string? name = value is JsonValue v && v.TryGetValue<string>(out var n) ? n : null;
        if (parts.Length >= 2 && key == "type" && name != null && node["type"]?.GetValue<string>() != name)
        {
            // a new component type: its section starts from that component's defaults
            var holder = parts.Length == 2 ? root : Resolve(root, parts[..^2], what);
            var section = parts[^2];
            var defaults = SectionDefaults(section, name, what);
            if (holder is JsonArray a) a[int.Parse(section)] = defaults;
            else ((JsonObject)holder)[section] = defaults;
            return;
        }
        if (parts.Length == 1 && key == "pipeline" && name != null && node["pipeline"]?.GetValue<string>() != name)
        {
            List<StageSettings> stages;
            try { stages = Pipelines.Stages(name); }
            catch (UserError e) { throw new UserError($"{what}: {e.Detail}"); }
            root["stages"] = new TrainConfig { Stages = stages }.ToJsonObject()["stages"]!.DeepClone();
        }
        node[key] = value?.DeepClone();
    }

    /// <summary>The node at a path of object keys and list indices.</summary>
    private static JsonNode Resolve(JsonObject root, string[] parts, string what)
    {
        JsonNode node = root;
        for (int i = 0; i < parts.Length; i++)
        {
            JsonNode? next = node switch
            {
                JsonObject o => o[parts[i]],
                JsonArray a => int.TryParse(parts[i], out int k) && k >= 0 && k < a.Count ? a[k]
                    : throw new UserError($"{what}: '{string.Join('.', parts[..i])}' has {a.Count} elements; '{parts[i]}' is not one " +
                        $"of 0..{a.Count - 1}"),
                _ => null,
            };
            node = next is JsonObject or JsonArray ? next
                : throw new UserError($"{what}: '{string.Join('.', parts[..(i + 1)])}' is not a section of the configuration");
        }
        return node;
    }

    private static JsonObject SectionDefaults(string section, string type, string what)
    {
        try
        {
            JsonNode? node = section switch
            {
                "guidance" => new TrainConfig { Guidance = Components.Guidance.Defaults(type) }.ToJsonObject()["guidance"],
                "representation" =>
                    new TrainConfig { Stages = [new StageSettings { Representation = Components.Representation.Defaults(type) }] }
                    .ToJsonObject()["stages"]![0]!["representation"],
                _ => throw new UserError($"{what}: '{section}' has no component types"),
            };
            return node!.AsObject().DeepClone().AsObject();
        }
        catch (UserError e) when (!e.Message.StartsWith(what)) { throw new UserError($"{what}: {e.Message}"); }
    }
}
