using DreamTime.Configuration;
using DreamTime.Runtime;

namespace DreamTime.Training;

/// <summary>
/// A text-to-3D run with its folder: starts a new one from a configuration, or resumes one from its folder,
/// then trains and writes every output. The CLI's `generate` is a thin layer over this.
/// </summary>
public sealed class GenerationRun : IDisposable
{
    public Trainer Trainer { get; }
    public RunFolder Folder { get; }
    private readonly IRunObserver _observer;

    private GenerationRun(Trainer trainer, RunFolder folder, IRunObserver observer)
    {
        Trainer = trainer;
        Folder = folder;
        _observer = observer;
    }

    /// <summary>Validates the configuration and builds every component before
    /// the run folder is touched, so bad input writes nothing.</summary>
    public static GenerationRun Start(TrainConfig config, string? outDir, bool overwrite, IRunObserver observer)
    {
        config.Validate();
        var device = TorchRuntime.ResolveDevice(config.Device);
        var folder = new RunFolder(outDir ?? DefaultFolder(config));
        var guidance = Components.Guidance.Create(config.Guidance, new ComponentContext(config, device));
        try
        {
            folder.PrepareNew(overwrite);
            AtomicFile.WriteAllText(folder.Config, config.ToJson());
        }
        catch
        {
            guidance.Guidance.Dispose();
            throw;
        }
        return new GenerationRun(Trainer.Create(config, device, null, guidance), folder, observer);
    }

    /// <summary>
    /// Continues a run from its last checkpoint. Its config.json decides every setting except the overrides; an
    /// override that changes the run is written back to config.json once the run has been rebuilt.
    /// </summary>
    public static GenerationRun Resume(string dir, ResumeOverrides overrides, IRunObserver observer)
    {
        var folder = new RunFolder(dir);
        if (!File.Exists(folder.Config)) throw new UserError($"run folder {dir}: no config.json there; not a run folder");
        var config = TrainConfig.FromJson(File.ReadAllText(folder.Config), folder.Config);
        var checkpoint = Checkpoint.Find(folder.LastCheckpoint)
            ?? throw new UserError($"run folder {dir}: no checkpoint in {folder.Checkpoints}");
        var state = Checkpoint.LoadState(checkpoint);
        var updated = config;
        if (overrides.Device is string d) updated = updated with { Device = d };
        if (overrides.Iterations is int n)
        {
            if (n < config.Iterations)
                throw new UserError("timesteps.iterations",
                    $"is {n}; a resumed run can only be extended; {folder.Config} has {config.Iterations} " +
                    $"(checkpoint at step {state.Step})");
            updated = updated with { Timesteps = updated.Timesteps with { Iterations = n } };
        }
        updated.Validate();
        var trainer = Trainer.Create(updated, TorchRuntime.ResolveDevice(updated.Device), checkpoint);
        if (updated != config)
        {
            AtomicFile.WriteAllText(folder.Config, updated.ToJson());
            if (updated.Iterations != config.Iterations)
                observer.Log($"extending the run from {config.Iterations} to {updated.Iterations} iterations " +
                    $"({updated.Timesteps.Strategy}'s schedule is recomputed for the new total)");
        }
        return new GenerationRun(trainer, folder, observer);
    }

    /// <summary>Trains to the last iteration and writes the outputs. Throws <see cref="TrainingDivergedException"/> on NaN/Inf.</summary>
    public SessionOutcome Run(CancellationToken cancel)
    {
        RunExports.WriteSchedule(Trainer, Folder);
        return new TrainingSession(Trainer, Folder, _observer) { Export = RunExports.WriteAll }.Run(cancel);
    }

    public static string DefaultFolder(TrainConfig c)
    {
        var name = string.IsNullOrWhiteSpace(c.Prompt) && c.Reference != null ? Path.GetFileNameWithoutExtension(c.Reference.Image)
            : c.Prompt;
        return Path.Combine("runs", $"{Slug(name)}-{c.Timesteps.Strategy}-seed{c.Seed}");
    }

    public static string Slug(string text)
    {
        var chars = text.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray();
        var slug = string.Join("-", new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
        return slug.Length == 0 ? "all" : slug.Length > 48 ? slug[..48] : slug;
    }

    public void Dispose() => Trainer.Dispose();
}
