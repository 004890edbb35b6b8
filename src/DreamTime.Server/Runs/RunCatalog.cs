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
        return Row(IdOf(folder), config, known ?? StateOf(run, metrics != null), message, folder) with
        {
            Psnr = (double?)metrics?["psnr"],
            MaskIou = (double?)metrics?["mask_iou"],
            Thumbnail = Thumbnail(run),
            Progress = Progress(run, config),
            Updated = Directory.GetLastWriteTimeUtc(folder),
        };
    }

    /// <summary>
    /// The row a configuration alone gives: subject, pipeline, strategy, seed. A queued run has only this (its folder
    /// holds nothing yet); <see cref="Summarize"/> adds what the folder holds.
    /// </summary>
    public static RunSummary Row(string id, JsonNode? config, RunState state, string? message, string folder)
    {
        var reference = config?["reference"]?["image"]?.GetValue<string>();
        var subject = config?["prompt"]?.GetValue<string>() is { Length: > 0 } prompt ? prompt
            : reference != null ? Path.GetFileName(reference) : Path.GetFileName(folder);
        var strategies = config?["stages"]?.AsArray().Select(s => s?["timesteps"]?["strategy"]?.GetValue<string>()).Distinct().ToList();
        return new RunSummary(id, subject, config?["pipeline"]?.GetValue<string>(),
            strategies is { Count: 1 } ? strategies[0] : strategies is { Count: > 1 } ? string.Join("+", strategies) : null,
            config?["seed"]?.GetValue<long>(), state, null, null, null, null, message, DateTime.UtcNow);
    }

    /// <summary>Done once metrics.json is written; else running while a process holds the folder; else interrupted.</summary>
    private static RunState StateOf(RunFolder run, bool finished) =>
        finished ? RunState.Done : run.IsHeld() ? RunState.Running : RunState.Interrupted;

    /// <summary>What a step event needs: the run's latest step and its state, without the rest of its row.</summary>
    public (RunProgress? Progress, RunState State) LatestStep(string folder)
    {
        var run = new RunFolder(folder);
        return (Progress(run, ReadJson(run.Config)), StateOf(run, File.Exists(run.Metrics)));
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

    /// <summary>Where a stage stands in the configuration's stage list: its index, the number of stages, its iterations.</summary>
    public static (int Index, int Count, int Iterations) PlaceStage(JsonNode? config, string? stage)
    {
        var stages = config?["stages"]?.AsArray() ?? [];
        int index = Math.Max(0, stages.Select(s => s?["name"]?.GetValue<string>()).ToList().IndexOf(stage));
        int iterations = stages.Count > index ? stages[index]?["iterations"]?.GetValue<int>() ?? 0 : 0;
        return (index, Math.Max(1, stages.Count), iterations);
    }

    /// <summary>A metrics.jsonl line as progress within the configuration's stages.</summary>
    private static RunProgress? ProgressOf(JsonNode? line, JsonNode config, DateTime when)
    {
        if (line?["step"] == null) return null;
        var stage = line["stage"]?.GetValue<string>();
        var (index, count, last) = PlaceStage(config, stage);
        return new RunProgress(stage, index, count, (int)line["step"]!, last, (int?)line["t"] ?? 0,
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
