using System.Text.Json;
using System.Text.Json.Serialization;
using DreamTime.Guidance;
using DreamTime.IO;
using DreamTime.Optimization;
using DreamTime.Representations;
using DreamTime.Runtime;

namespace DreamTime.Training;

/// <summary>
/// A checkpoint folder: the representation, the guidance's trainable state (when it has any), the optimizer
/// and the step reached. Written to a temporary folder and swapped in by rename, so an interruption at any
/// moment leaves the previous checkpoint intact.
/// </summary>
public static class Checkpoint
{
    private const string RepresentationFile = "representation.safetensors", GuidanceFile = "guidance.safetensors",
        OptimizerFile = "optimizer.safetensors", StateFile = "state.json";

    public sealed record State(int Step, string Prompt, string Strategy, long Seed, List<StepRecord> History)
    {
        /// <summary>The stage and representation the checkpoint belongs to, so that a changed stage list is refused on resume.</summary>
        public string? Stage { get; init; }
        public string? Representation { get; init; }
    }

    internal static readonly JsonSerializerOptions StateJson = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void Save(string dir, IRepresentation representation, IGuidance guidance, AdamOptimizer optimizer, State state)
    {
        AtomicFile.WriteFolder(dir, tmp =>
        {
            representation.Save(Path.Combine(tmp, RepresentationFile));
            var trainable = GuidanceTensors(guidance);
            if (trainable.Count > 0) SafetensorsFile.Save(Path.Combine(tmp, GuidanceFile), trainable);
            optimizer.Save(Path.Combine(tmp, OptimizerFile));
            AtomicFile.WriteAllText(Path.Combine(tmp, StateFile), JsonSerializer.Serialize(state, StateJson));
        });
    }

    /// <summary>Finds the newest complete checkpoint (also one left as .old by an interrupted swap).</summary>
    public static string? Find(string dir)
    {
        if (File.Exists(Path.Combine(dir, StateFile))) return dir;
        var old = Path.Combine(Path.GetDirectoryName(dir)!, ".old-" + Path.GetFileName(dir));
        return File.Exists(Path.Combine(old, StateFile)) ? old : null;
    }

    public static string RepresentationPath(string dir) => Path.Combine(dir, RepresentationFile);
    public static string OptimizerPath(string dir) => Path.Combine(dir, OptimizerFile);

    /// <summary>Checks the checkpoint is complete and reads its state.</summary>
    public static State LoadState(string dir)
    {
        foreach (var f in new[] { RepresentationFile, OptimizerFile, StateFile })
            if (!File.Exists(Path.Combine(dir, f))) throw new UserError($"checkpoint file {Path.Combine(dir, f)} is missing");
        try
        {
            return JsonSerializer.Deserialize<State>(File.ReadAllText(Path.Combine(dir, StateFile)), StateJson)
                ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new UserError($"checkpoint file {Path.Combine(dir, StateFile)} is corrupt ({e.Message.Split('\n')[0]})");
        }
    }

    /// <summary>Restores the representation, the guidance's trainable state and the optimizer; returns the state.</summary>
    public static State Load(string dir, IRepresentation representation, IGuidance guidance, AdamOptimizer optimizer)
    {
        var state = LoadState(dir);
        representation.Load(RepresentationPath(dir));
        var trainable = GuidanceTensors(guidance);
        if (trainable.Count > 0)
        {
            var path = Path.Combine(dir, GuidanceFile);
            if (!File.Exists(path)) throw new UserError($"checkpoint file {path} is missing (the guidance has trainable state)");
            var file = SafetensorsFile.Open(path);
            using var _ = TorchSharp.torch.no_grad();
            foreach (var (key, target) in trainable)
            {
                if (!file.Entries.TryGetValue(key, out var entry) || !entry.Shape.SequenceEqual(target.shape))
                    throw new UserError($"checkpoint file {path} has no tensor '{key}' of shape [{string.Join(",", target.shape)}]");
                using var loaded = file.Load(key);
                target.copy_(loaded.to(target.dtype).to(target.device));
            }
        }
        optimizer.Load(OptimizerPath(dir));
        return state;
    }

    private static Dictionary<string, TorchSharp.torch.Tensor> GuidanceTensors(IGuidance guidance) =>
        guidance.TrainableGroups.SelectMany(g => g.Parameters.Select((p, i) => ($"{g.Name}.{i}", (TorchSharp.torch.Tensor)p)))
            .ToDictionary(x => x.Item1, x => x.Item2);
}
