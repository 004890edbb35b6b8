using System.Text.Json;
using System.Text.Json.Nodes;
using DreamTime.Runtime;

namespace DreamTime.IO;

/// <summary>
/// Typed access to one component's config.json with diffusers' defaults: a key that is absent or null
/// takes the default; a key of the wrong kind is a <see cref="UserError"/> naming the file and the key.
/// </summary>
public sealed class ConfigJson
{
    public string Path { get; }
    public JsonObject Root { get; }

    public ConfigJson(string path, JsonObject root)
    {
        Path = path;
        Root = root;
    }

    /// <summary>
    /// How every JSON file the tool reads is parsed: a key given twice is a JsonException (the parser's message names it)
    /// rather than an ArgumentException when the object is first used.
    /// </summary>
    public static readonly JsonDocumentOptions NoDuplicateKeys = new() { AllowDuplicateProperties = false };

    public static ConfigJson Read(string path)
    {
        if (!File.Exists(path)) throw new UserError($"{path}: file not found");
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path), documentOptions: NoDuplicateKeys); }
        catch (JsonException e) { throw new UserError($"{path}: invalid JSON ({e.Message.Split('\n')[0]})"); }
        if (node is not JsonObject obj) throw new UserError($"{path}: expected a JSON object");
        return new ConfigJson(path, obj);
    }

    public bool IsSet(string key) => Root.TryGetPropertyValue(key, out var v) && v != null;

    private JsonNode? Get(string key) => Root.TryGetPropertyValue(key, out var v) ? v : null;

    private UserError Wrong(string key, string expected) =>
        new($"{Path}: '{key}' = {Get(key)?.ToJsonString() ?? "null"} is not {expected}");

    public int Int(string key, int fallback)
    {
        var v = Get(key);
        if (v == null) return fallback;
        try { return v.GetValue<int>(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException) { throw Wrong(key, "an integer"); }
    }

    public int? NullableInt(string key) => IsSet(key) ? Int(key, 0) : null;

    public double Double(string key, double fallback)
    {
        var v = Get(key);
        if (v == null) return fallback;
        try { return v.GetValue<double>(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException) { throw Wrong(key, "a number"); }
    }

    public bool Bool(string key, bool fallback)
    {
        var v = Get(key);
        if (v == null) return fallback;
        try { return v.GetValue<bool>(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException) { throw Wrong(key, "true or false"); }
    }

    public string? String(string key, string? fallback)
    {
        var v = Get(key);
        if (v == null) return fallback;
        try { return v.GetValue<string>(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException) { throw Wrong(key, "a string"); }
    }

    public string[] StringList(string key, string[] fallback)
    {
        var v = Get(key);
        if (v == null) return fallback;
        if (v is not JsonArray a) throw Wrong(key, "a list of strings");
        try { return a.Select(e => e!.GetValue<string>()).ToArray(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        {
            throw Wrong(key, "a list of strings");
        }
    }

    public int[] IntList(string key, int[] fallback)
    {
        var v = Get(key);
        if (v == null) return fallback;
        if (v is not JsonArray a) throw Wrong(key, "a list of integers");
        try { return a.Select(e => e!.GetValue<int>()).ToArray(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        {
            throw Wrong(key, "a list of integers");
        }
    }

    public double[]? DoubleList(string key)
    {
        var v = Get(key);
        if (v == null) return null;
        if (v is not JsonArray a) throw Wrong(key, "a list of numbers");
        try { return a.Select(e => e!.GetValue<double>()).ToArray(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
        {
            throw Wrong(key, "a list of numbers");
        }
    }

    /// <summary>A value that diffusers accepts as one integer for every block or as a list with one per block.</summary>
    public int[] PerBlockInts(string key, int blocks, int fallback)
    {
        var v = Get(key);
        int[] values = v switch
        {
            null => Enumerable.Repeat(fallback, blocks).ToArray(),
            JsonArray => IntList(key, Array.Empty<int>()),
            _ => Enumerable.Repeat(Int(key, fallback), blocks).ToArray(),
        };
        if (values.Length != blocks) throw new UserError($"{Path}: '{key}' has {values.Length} entries but there are {blocks} down blocks");
        return values;
    }

    public bool[] PerBlockBools(string key, int blocks, bool fallback)
    {
        var v = Get(key);
        if (v is JsonArray a)
        {
            bool[] values;
            try { values = a.Select(e => e!.GetValue<bool>()).ToArray(); }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
            {
                throw Wrong(key, "true/false or a list of them");
            }
            if (values.Length != blocks)
                throw new UserError($"{Path}: '{key}' has {values.Length} entries but there are {blocks} down blocks");
            return values;
        }
        return Enumerable.Repeat(Bool(key, fallback), blocks).ToArray();
    }

    /// <summary>Refuses a feature this implementation does not have, rather than silently computing something else.</summary>
    public void RequireUnset(string key, string what)
    {
        if (IsSet(key)) throw new UserError($"{Path}: '{key}' = {Get(key)!.ToJsonString()} is not supported ({what})");
    }

    public void RequireValue(string key, string expected, string? fallback)
    {
        var v = String(key, fallback);
        if (v != expected) throw new UserError($"{Path}: '{key}' = \"{v}\" is not supported (only \"{expected}\")");
    }
}
