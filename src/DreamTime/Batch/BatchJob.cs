using System.Text.Json.Nodes;
using DreamTime.Configuration;
using DreamTime.Runtime;

namespace DreamTime.Batch;

/// <summary>
/// One line of a jobs file: a prompt or a picture, and the options that differ from the defaults (pipeline,
/// strategy, seed, iterations, and any `--set` pairs). <see cref="Line"/> is its line in the file, for errors.
/// </summary>
public sealed record BatchJob(int Line, string? Prompt, string? Image, string? Pipeline, string? Strategy, long? Seed, int? Iterations,
    IReadOnlyList<string> Set)
{
    /// <summary>The run's configuration as `generate` builds it: defaults, the pipeline first, then the job's options.</summary>
    /// <param name="device">the batch's device for every job (a job's own "set" may still change it); null = the default</param>
    public TrainConfig ToConfig(string source, string? device = null)
    {
        var tree = ConfigOverrides.Defaults();
        // a job from a file is named by its line; one from elsewhere (the web page's form) by its source alone
        string where = Line > 0 ? $"{source}:{Line}" : source;
        if (device != null) tree["device"] = device;
        if (Pipeline != null) ConfigOverrides.Set(tree, "pipeline", JsonValue.Create(Pipeline), $"{where} pipeline");
        if (Prompt != null) tree["prompt"] = Prompt.Trim();
        if (Image != null)
        {
            ConfigOverrides.Set(tree, "guidance.type", JsonValue.Create("builtin-image"), $"{where} image");
            tree["reference"] = new JsonObject { ["image"] = Path.GetFullPath(Image) };
        }
        if (Strategy != null) ConfigOverrides.Set(tree, "stages.*.timesteps.strategy", JsonValue.Create(Strategy), $"{where} strategy");
        if (Seed is long seed) ConfigOverrides.Set(tree, "seed", JsonValue.Create(seed), $"{where} seed");
        if (Iterations is int n) ConfigOverrides.Set(tree, "stages.*.iterations", JsonValue.Create(n), $"{where} iterations");
        foreach (var assignment in Set) ConfigOverrides.Apply(tree, assignment, $"{where} set");
        TrainConfig config;
        try
        {
            config = TrainConfig.FromJson(tree, where);
            config.Validate();
        }
        catch (UserError e) { throw new UserError($"{where}: {e.Message}"); }
        if (string.IsNullOrWhiteSpace(config.Prompt) && config.Reference == null)
            throw new UserError($"{where}: neither a prompt nor an image");
        // a prompt the built-in families cannot read would fail only when its job starts
        if (config.Reference == null && config.Guidance is Guidance.BuiltinPriorSettings or Guidance.LearnedPriorSettings
                or Guidance.VsdSettings { Model: null })
            try { Scenes.PriorLibrary.Default.Select(config.EvaluationPrompt ?? config.Prompt); }
            catch (UserError e) { throw new UserError($"{where}: {e.Message}"); }
        return config;
    }

    /// <summary>The job's folder name: its index and a few words of its prompt or picture.</summary>
    public string FolderName(int index)
    {
        var words = Prompt ?? Path.GetFileNameWithoutExtension(Image) ?? "job";
        return $"{index:D4}-{Training.GenerationRun.Slug(words)}";
    }

    /// <summary>The job as one JSON line (the normalised form a batch folder keeps in batch.jsonl).</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject { ["line"] = Line };
        if (Prompt != null) o["prompt"] = Prompt;
        if (Image != null) o["image"] = Path.GetFullPath(Image);
        if (Pipeline != null) o["pipeline"] = Pipeline;
        if (Strategy != null) o["strategy"] = Strategy;
        if (Seed != null) o["seed"] = Seed;
        if (Iterations != null) o["iterations"] = Iterations;
        if (Set.Count > 0) o["set"] = new JsonArray(Set.Select(s => (JsonNode?)s).ToArray());
        return o;
    }
}
