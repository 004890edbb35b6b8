using System.Text.Json;
using System.Text.Json.Nodes;
using DreamTime.Runtime;

namespace DreamTime.Batch;

/// <summary>
/// Reads a jobs file: plain text, one prompt per line (blank lines and lines starting with # skipped), or JSONL
/// (.jsonl), one object per line with "prompt" or "image" and optional "pipeline", "strategy", "seed", "iterations"
/// and "set" (a list of "KEY=VALUE" strings). A bad line is a UserError naming the file and the line.
/// </summary>
public static class BatchJobsFile
{
    private static readonly string[] Keys = ["prompt", "image", "pipeline", "strategy", "seed", "iterations", "set"];

    public static IReadOnlyList<BatchJob> Read(string path)
    {
        if (!File.Exists(path)) throw new UserError($"{path}: no such jobs file");
        var lines = File.ReadAllLines(path);
        bool jsonl = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);
        var jobs = new List<BatchJob>();
        for (int i = 0; i < lines.Length; i++)
        {
            var text = lines[i].Trim();
            if (text.Length == 0 || text.StartsWith('#')) continue;
            jobs.Add(jsonl ? ParseJson(path, i + 1, text) : new BatchJob(i + 1, text, null, null, null, null, null, []));
        }
        if (jobs.Count == 0) throw new UserError($"{path}: no jobs (one prompt per line, or one JSON object per line in a .jsonl file)");
        return jobs;
    }

    private static BatchJob ParseJson(string path, int line, string text)
    {
        string where = $"{path}:{line}";
        JsonObject o;
        try
        {
            o = JsonNode.Parse(text, documentOptions: IO.ConfigJson.NoDuplicateKeys) as JsonObject
                ?? throw new UserError($"{where}: not a JSON object");
        }
        catch (JsonException e) { throw new UserError($"{where}: invalid JSON ({e.Message.Split('\n')[0]})"); }
        foreach (var (key, _) in o)
            if (!Keys.Contains(key)) throw new UserError($"{where}: unknown key \"{key}\"; allowed: {string.Join(", ", Keys)}");
        string? Text(string key) => o[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => throw new UserError($"{where}: \"{key}\" must be a string"),
        };
        T? Number<T>(string key) where T : struct => o[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<T>(out var n) => n,
            _ => throw new UserError($"{where}: \"{key}\" must be an integer"),
        };
        var set = o["set"] switch
        {
            null => [],
            JsonArray a => a.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s
                : throw new UserError($"{where}: \"set\" must be a list of \"KEY=VALUE\" strings")).ToList(),
            _ => throw new UserError($"{where}: \"set\" must be a list of \"KEY=VALUE\" strings"),
        };
        var job = new BatchJob(line, Text("prompt"), Text("image"), Text("pipeline"), Text("strategy"), Number<long>("seed"),
            Number<int>("iterations"), set);
        if ((job.Prompt == null) == (job.Image == null)) throw new UserError($"{where}: give \"prompt\" or \"image\" (one of them)");
        return job;
    }
}
