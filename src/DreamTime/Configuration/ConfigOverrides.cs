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

    /// <summary>Sets an existing key (a path of snake_case names separated by
    /// dots); an unknown key is a UserError naming it and its neighbours.</summary>
    public static void Set(JsonObject root, string path, JsonNode? value, string what)
    {
        var parts = path.Split('.');
        JsonObject node = root;
        for (int i = 0; i < parts.Length - 1; i++)
            node = node[parts[i]] as JsonObject
                   ?? throw new UserError($"{what}: '{string.Join('.', parts[..(i + 1)])}' is not a section of the configuration");
        var key = parts[^1];
        if (!node.ContainsKey(key))
        {
            var section = parts.Length > 1 ? string.Join('.', parts[..^1]) : "the configuration";
            var type = node["type"] is JsonValue t ? $" ({t.GetValue<string>()})" : "";
            throw new UserError($"{what}: {section}{type} has no key '{key}'; its keys: {string.Join(", ", node.Select(kv => kv.Key))}");
        }
        if (parts.Length == 2 && key == "type" && value is JsonValue v && v.TryGetValue<string>(out var name)
            && node["type"]?.GetValue<string>() != name)
        {
            root[parts[0]] = SectionDefaults(parts[0], name, what);
            return;
        }
        node[key] = value?.DeepClone();
    }

    private static JsonObject SectionDefaults(string section, string type, string what)
    {
        try
        {
            var cfg = section switch
            {
                "guidance" => new TrainConfig { Guidance = Components.Guidance.Defaults(type) },
                "representation" => new TrainConfig { Representation = Components.Representation.Defaults(type) },
                _ => throw new UserError($"{what}: '{section}' has no component types"),
            };
            return cfg.ToJsonObject()[section]!.AsObject().DeepClone().AsObject();
        }
        catch (UserError e) when (!e.Message.StartsWith(what)) { throw new UserError($"{what}: {e.Message}"); }
    }
}
