using System.Text.Json;
using DreamTime.IO;
using DreamTime.Runtime;
using DreamTime.Representations;

namespace DreamTime.Training;

/// <summary>
/// A checkpoint folder: model weights, optimizer state and the step reached. Written to a temporary folder
/// and swapped in by rename, so an interruption at any moment leaves the previous checkpoint intact.
/// </summary>
public static class Checkpoint
{
    private const string ModelFile = "model.safetensors", OptimizerFile = "optimizer.safetensors", StateFile = "state.json";

    public sealed record State(int Step, string Prompt, string Strategy, long Seed, List<StepRecord> History);

    public static void Save(string dir, NerfRepresentation model, AdamOptimizer optimizer, State state)
    {
        var parent = Path.GetDirectoryName(dir)!;
        Directory.CreateDirectory(parent);
        var tmp = Path.Combine(parent, ".tmp-" + Path.GetFileName(dir));
        var old = Path.Combine(parent, ".old-" + Path.GetFileName(dir));
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        model.SaveWeights(Path.Combine(tmp, ModelFile));
        optimizer.Save(Path.Combine(tmp, OptimizerFile));
        AtomicFile.WriteAllText(Path.Combine(tmp, StateFile), JsonSerializer.Serialize(state));
        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(dir)) Directory.Move(dir, old);
        Directory.Move(tmp, dir);
        if (Directory.Exists(old)) Directory.Delete(old, true);
    }

    /// <summary>Finds the newest complete checkpoint (also one left as .old by an interrupted swap).</summary>
    public static string? Find(string dir)
    {
        if (File.Exists(Path.Combine(dir, StateFile))) return dir;
        var old = Path.Combine(Path.GetDirectoryName(dir)!, ".old-" + Path.GetFileName(dir));
        return File.Exists(Path.Combine(old, StateFile)) ? old : null;
    }

    public static string ModelPath(string dir) => Path.Combine(dir, ModelFile);
    public static string OptimizerPath(string dir) => Path.Combine(dir, OptimizerFile);

    /// <summary>Checks the checkpoint is complete and reads its state; weights are loaded by the caller.</summary>
    public static State LoadState(string dir)
    {
        foreach (var f in new[] { ModelFile, OptimizerFile, StateFile })
            if (!File.Exists(Path.Combine(dir, f))) throw new UserError($"--resume: checkpoint file {Path.Combine(dir, f)} is missing");
        try { return JsonSerializer.Deserialize<State>(File.ReadAllText(Path.Combine(dir, StateFile))) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new UserError($"--resume: {Path.Combine(dir, StateFile)} is corrupt ({e.Message.Split('\n')[0]})"); }
    }
}

/// <summary>What one training step logged.</summary>
public sealed record StepRecord(int Step, int T, double Loss, double SdsLoss, double GradNorm, double Seconds,
    double? Psnr = null, double? MaskIou = null, string? Nearest = null, double? PosteriorEntropy = null);
