using System.Text.Json.Nodes;
using DreamTime.Server.Security;
using DreamTime.Training;

namespace DreamTime.Server.Runs;

/// <summary>
/// The runs in a runs folder, read from their folders: any folder (up to a few levels down, so batch folders count)
/// that holds a config.json. What a run folder says is read when asked; nothing is cached, so a run written by
/// another process is seen as it is now.
/// </summary>
public sealed class RunCatalog(string root)
{
    private const int MaxDepth = 4;
    private static readonly HashSet<string> Inner = ["checkpoints", "particles", "previews", "turntable"];

    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Every run folder, newest first.</summary>
    public IReadOnlyList<string> Folders()
    {
        var found = new List<string>();
        Walk(Root, 0, found);
        return found.OrderByDescending(Directory.GetLastWriteTimeUtc).ToList();
    }

    private static void Walk(string dir, int depth, List<string> found)
    {
        if (depth > 0 && File.Exists(Path.Combine(dir, "config.json")))
        {
            found.Add(dir);
            return;
        }
        if (depth == MaxDepth) return;
        IEnumerable<string> children;
        try { children = Directory.EnumerateDirectories(dir).ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        foreach (var child in children)
        {
            var name = Path.GetFileName(child);
            if (name.StartsWith('.') || Inner.Contains(name) || new DirectoryInfo(child).LinkTarget != null) continue;
            Walk(child, depth + 1, found);
        }
    }

    public string IdOf(string folder) => Path.GetRelativePath(Root, folder).Replace('\\', '/');

    /// <summary>The run folder an id names, or null when it names none (unknown, gone, or outside the runs folder).</summary>
    public string? FolderOf(string? id)
    {
        var path = SafePath.Resolve(Root, id);
        return path != null && File.Exists(Path.Combine(path, "config.json")) ? path : null;
    }

    /// <summary>The run's row. <paramref name="known"/> is this server's own knowledge (queued, running, failed).</summary>
    public RunSummary Summarize(string folder, RunState? known = null, string? message = null)
    {
        var run = new RunFolder(folder);
        var config = ReadJson(run.Config);
        var metrics = ReadJson(run.Metrics);
        var state = known ?? (metrics != null ? RunState.Done : run.IsHeld() ? RunState.Running : RunState.Interrupted);
        var reference = config?["reference"]?["image"]?.GetValue<string>();
        var subject = config?["prompt"]?.GetValue<string>() is { Length: > 0 } prompt ? prompt
            : reference != null ? Path.GetFileName(reference) : Path.GetFileName(folder);
        var strategies = config?["stages"]?.AsArray().Select(s => s?["timesteps"]?["strategy"]?.GetValue<string>()).Distinct().ToList();
        return new RunSummary(IdOf(folder), subject, config?["pipeline"]?.GetValue<string>(),
            strategies is { Count: 1 } ? strategies[0] : strategies is { Count: > 1 } ? string.Join("+", strategies) : null,
            config?["seed"]?.GetValue<long>(), state, (double?)metrics?["psnr"], (double?)metrics?["mask_iou"], Thumbnail(run),
            Progress(run, config), message, Directory.GetLastWriteTimeUtc(folder));
    }

    /// <summary>The turntable's first frame once exported, else the latest preview.</summary>
    private string? Thumbnail(RunFolder run)
    {
        var frame = Path.Combine(run.Turntable, "frame_000.png");
        if (File.Exists(frame)) return IdOf(frame);
        if (!Directory.Exists(run.Previews)) return null;
        var latest = Directory.EnumerateFiles(run.Previews, "*.png").Order(StringComparer.Ordinal).LastOrDefault();
        return latest == null ? null : IdOf(latest);
    }

    /// <summary>The latest step of metrics.jsonl (its last line) placed in the configuration's stages.</summary>
    private static RunProgress? Progress(RunFolder run, JsonNode? config)
    {
        if (config == null || !File.Exists(run.MetricsLog)) return null;
        var last = LastLine(run.MetricsLog);
        if (last == null) return null;
        try { return ProgressOf(JsonNode.Parse(last), config, File.GetLastWriteTimeUtc(run.MetricsLog)); }
        catch (System.Text.Json.JsonException) { return null; }
    }

    /// <summary>A metrics.jsonl line as progress within the configuration's stages.</summary>
    public static RunProgress? ProgressOf(JsonNode? line, JsonNode config, DateTime when)
    {
        if (line?["step"] == null) return null;
        var stages = config["stages"]?.AsArray() ?? [];
        var stage = line["stage"]?.GetValue<string>();
        int index = Math.Max(0, stages.Select(s => s?["name"]?.GetValue<string>()).ToList().IndexOf(stage));
        int last = stages.Count > index ? stages[index]?["iterations"]?.GetValue<int>() ?? 0 : 0;
        return new RunProgress(stage, index, Math.Max(1, stages.Count), (int)line["step"]!, last, (int?)line["t"] ?? 0,
            (double?)line["loss"] ?? double.NaN, (double?)line["evaluation"]?["metrics"]?["psnr"],
            new DateTimeOffset(when).ToUnixTimeMilliseconds());
    }

    private static string? LastLine(string path)
    {
        try
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long start = Math.Max(0, f.Length - 64 * 1024);
            f.Seek(start, SeekOrigin.Begin);
            using var reader = new StreamReader(f);
            var lines = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.Length == 0 ? null : lines[^1];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>A JSON file of the run, or null when it is missing, half-written or not JSON.</summary>
    public static JsonNode? ReadJson(string path)
    {
        try { return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException) { return null; }
    }
}
