using System.Text.Json;
using System.Text.Json.Nodes;
using DreamTime.Configuration;
using DreamTime.Guidance;
using DreamTime.Imaging;
using DreamTime.Runtime;
using DreamTime.Training;

namespace DreamTime.Studies.Comparison;

/// <summary>
/// A study's folder: study.json (the base configuration, thresholds and, for a learned prior, the hash of its
/// weights) and runs/NAME.json + runs/NAME.png (each finished run and its evaluation views side by side), so an
/// interrupted study continues where it stopped and diversity and view consistency are measured from the kept views.
/// </summary>
public sealed class StudyFolder(string root)
{
    internal static readonly JsonSerializerOptions Json =
        new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string Root { get; } = root;

    public string StudyFile => Path.Combine(Root, "study.json");

    /// <summary>
    /// A new folder records the settings; an existing one must hold the same settings, compared by value (so a
    /// study.json whose keys were reordered or reformatted still continues).
    /// </summary>
    public void Open(TrainConfig baseConfig, IReadOnlyList<double> thresholds)
    {
        AtomicFile.EnsureWritableFolder(Root, "study folder");
        var study = new JsonObject
        {
            ["config"] = baseConfig.ToJsonObject(),
            ["psnr_thresholds"] = new JsonArray(thresholds.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
        };
        // a learned prior is named by its folder, whose weights may be retrained in place: the study pins their hash
        if (baseConfig.Guidance is LearnedPriorSettings learned) study["model_sha256"] = WeightsHash(learned.ModelFolder);
        if (File.Exists(StudyFile))
        {
            JsonNode? existing;
            try { existing = JsonNode.Parse(File.ReadAllText(StudyFile)); }
            catch (JsonException e)
            {
                throw new UserError($"{StudyFile}: not valid JSON ({e.Message}); delete it or choose another folder");
            }
            if (!JsonNode.DeepEquals(existing, JsonNode.Parse(study.ToJsonString())))
                throw new UserError($"study folder {Root}: holds a study with other settings or another learned-prior model " +
                                    $"({StudyFile}); " +
                                    "continue it with the same settings, or choose another folder or allow overwriting it");
        }
        else AtomicFile.WriteAllText(StudyFile, study.ToJsonString(Json));
        Directory.CreateDirectory(Path.Combine(Root, "runs"));
    }

    /// <summary>runs/SLUG-STRATEGY-seedN.EXT, with the run folder's slug of the subject's label.</summary>
    public string RunFile(string label, string strategy, long seed, string extension) =>
        Path.Combine(Root, "runs", $"{GenerationRun.Slug(label)}-{strategy}-seed{seed}{extension}");

    /// <summary>A finished run kept in the folder, or null.</summary>
    public ComparisonRun? LoadRun(string label, string strategy, long seed)
    {
        var file = RunFile(label, strategy, seed, ".json");
        if (!File.Exists(file)) return null;
        try
        {
            return JsonSerializer.Deserialize<ComparisonRun>(File.ReadAllText(file), Json)
                   ?? throw new UserError($"{file}: empty; delete it to train that run again");
        }
        catch (JsonException e) { throw new UserError($"{file}: not a kept run ({e.Message}); delete it to train that run again"); }
    }

    /// <summary>Keeps a run: its views first, since a run counts as finished once its .json exists.</summary>
    public void SaveRun(string label, ComparisonRun run, RgbImage views)
    {
        var png = RunFile(label, run.Strategy, run.Seed, ".png");
        ImageIO.SavePng(png, views);
        AtomicFile.WriteAllText(RunFile(label, run.Strategy, run.Seed, ".json"), JsonSerializer.Serialize(run, Json));
    }

    /// <summary>A kept run's evaluation views, side by side, or null.</summary>
    public RgbImage? LoadViews(string label, string strategy, long seed)
    {
        var file = RunFile(label, strategy, seed, ".png");
        return File.Exists(file) ? ImageIO.LoadImage(file) : null;
    }

    /// <summary>SHA-256 over the model folder's safetensors files (sorted by path).</summary>
    public static string WeightsHash(string folder)
    {
        using var sha = System.Security.Cryptography.SHA256.Create();
        foreach (var f in Directory.GetFiles(folder, "*.safetensors", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(f);
            sha.TransformBlock(bytes, 0, bytes.Length, null, 0);
        }
        sha.TransformFinalBlock([], 0, 0);
        return Convert.ToHexString(sha.Hash!).ToLowerInvariant();
    }
}
