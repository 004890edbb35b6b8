using DreamTime.Configuration;
using DreamTime.Representations;
using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Training;

/// <summary>
/// A text- or image-to-3D run with its folder: starts a new one from a configuration, or resumes one from its folder,
/// then trains its stages in order (each a <see cref="TrainingSession"/> with its own checkpoints, each built from the
/// stage before's representation) and writes every output. The CLI's `generate` is a thin layer over this.
/// </summary>
public sealed class GenerationRun : IDisposable
{
    /// <summary>The trainer of the stage being trained (the last one once the run is finished).</summary>
    public Trainer Trainer { get; private set; }
    public RunFolder Folder { get; }
    public TrainConfig Config => Trainer.Config;
    private readonly IRunObserver _observer;
    private readonly Device _device;
    /// <summary>Records of the finished stages before <see cref="Trainer"/>'s.</summary>
    private readonly List<StepRecord> _earlier;
    /// <summary>The representations of the finished stages still held (the one before the current stage, at most).</summary>
    private IRepresentation? _previous;
    private readonly IDisposable? _lock;

    private GenerationRun(Trainer trainer, RunFolder folder, IRunObserver observer, Device device, List<StepRecord> earlier,
        IRepresentation? previous, IDisposable? folderLock)
    {
        _lock = folderLock;
        Trainer = trainer;
        Folder = folder;
        _observer = observer;
        _device = device;
        _earlier = earlier;
        _previous = previous;
    }

    /// <summary>Validates the configuration and builds the first stage's components before
    /// the run folder is touched, so bad input writes nothing.</summary>
    public static GenerationRun Start(TrainConfig config, string? outDir, bool overwrite, IRunObserver observer)
    {
        config.Validate();
        var device = TorchRuntime.ResolveDevice(config.Device);
        var folder = new RunFolder(outDir ?? DefaultFolder(config));
        var trainer = Trainer.Create(config, device);
        IDisposable? held = null;
        try
        {
            // an overwrite must not clear a folder that another process is training in
            using (overwrite ? folder.Lock() : null) folder.PrepareNew(overwrite);
            held = folder.Lock();
            AtomicFile.WriteAllText(folder.Config, config.ToJson());
        }
        catch
        {
            held?.Dispose();
            trainer.Dispose();
            throw;
        }
        return new GenerationRun(trainer, folder, observer, device, [], null, held);
    }

    /// <summary>
    /// Continues a run at its first unfinished stage, from that stage's last checkpoint. Its config.json decides every
    /// setting except the overrides; an override that changes the run is written back to config.json once the run has
    /// been rebuilt. A stage list that no longer matches the checkpoints on disk is refused.
    /// </summary>
    public static GenerationRun Resume(string dir, ResumeOverrides overrides, IRunObserver observer)
    {
        var folder = new RunFolder(dir);
        if (!File.Exists(folder.Config)) throw new UserError($"run folder {dir}: no config.json there; not a run folder");
        var held = folder.Lock();
        try
        {
            return Resume(folder, dir, overrides, observer, held);
        }
        catch
        {
            held?.Dispose();
            throw;
        }
    }

    private static GenerationRun Resume(RunFolder folder, string dir, ResumeOverrides overrides, IRunObserver observer, IDisposable? held)
    {
        var config = TrainConfig.FromJson(File.ReadAllText(folder.Config), folder.Config);
        var states = StageStates(folder, config, dir);
        if (states[0] == null) throw new UserError($"run folder {dir}: no checkpoint in {folder.Checkpoints}");
        var updated = config;
        if (overrides.Device is string d) updated = updated with { Device = d };
        if (overrides.Iterations is int n)
        {
            int last = config.Stages.Count - 1;
            var stage = config.Stages[last];
            if (n < stage.Iterations)
                throw new UserError($"stages.{last}.iterations",
                    $"is {n}; a resumed run can only be extended; {folder.Config} has {stage.Iterations} for its last stage " +
                    $"({stage.Name})" + (states[last] is { } s ? $" (checkpoint at step {s.State.Step})" : ""));
            var stages = config.Stages.ToList();
            stages[last] = stage with { Iterations = n };
            updated = updated with { Stages = stages };
        }
        updated.Validate();
        var device = TorchRuntime.ResolveDevice(updated.Device);
        // the first stage not finished, or the last one when all are (its outputs are written again)
        int current = Enumerable.Range(0, updated.Stages.Count)
            .FirstOrDefault(i => states[i] == null || states[i]!.State.Step < updated.Stages[i].Iterations, updated.Stages.Count - 1);
        if (states[current] == null && current > 0 && states[current - 1] == null)
            throw new UserError($"run folder {dir}: stage {current - 1} ({updated.Stages[current - 1].Name}) has no checkpoint");
        // Rebuild the finished stages' representations in order (each built from the one before, then loaded), keeping
        // the one the current stage is built from.
        IRepresentation? previous = null;
        var earlier = new List<StepRecord>();
        try
        {
            for (int i = 0; i < current; i++)
            {
                var rep = Trainer.CreateRepresentation(new ComponentContext(updated, device, i, previous));
                previous?.Dispose();
                previous = rep;
                rep.Load(Checkpoint.RepresentationPath(states[i]!.Path));
                earlier.AddRange(states[i]!.State.History);
            }
            var trainer = Trainer.Create(updated, device, current, previous, states[current]?.Path);
            if (updated != config)
            {
                AtomicFile.WriteAllText(folder.Config, updated.ToJson());
                if (updated.LastStage.Iterations != config.LastStage.Iterations)
                    observer.Log($"extending the run's last stage from {config.LastStage.Iterations} to {updated.LastStage.Iterations} " +
                        $"iterations ({updated.LastStage.Timesteps.Strategy}'s schedule is recomputed for the new total)");
            }
            return new GenerationRun(trainer, folder, observer, device, earlier, previous, held);
        }
        catch
        {
            previous?.Dispose();
            throw;
        }
    }

    private sealed record StageState(string Path, Checkpoint.State State);

    /// <summary>Each stage's last checkpoint and its state (null where the stage has none), checked against the stage list.</summary>
    private static StageState?[] StageStates(RunFolder folder, TrainConfig config, string dir)
    {
        var states = new StageState?[config.Stages.Count];
        for (int i = 0; i < config.Stages.Count; i++)
        {
            var stage = config.Stages[i];
            var path = Checkpoint.Find(folder.StageCheckpoint(i, stage.Name));
            if (path == null) continue;
            var state = Checkpoint.LoadState(path);
            if (state.Stage != stage.Name || state.Representation != config.RepresentationName(i))
                throw new UserError("stages",
                    $"run folder {dir}: stage {i} is '{stage.Name}' ({config.RepresentationName(i)}) in config.json but its checkpoint " +
                    $"is of '{state.Stage}' ({state.Representation}); the stage list of a started run cannot change");
            states[i] = new StageState(path, state);
        }
        // checkpoints of stages the list no longer has
        if (Directory.Exists(folder.Checkpoints))
            foreach (var sub in Directory.EnumerateDirectories(folder.Checkpoints).Select(Path.GetFileName))
                if (!sub!.StartsWith('.') && !Enumerable.Range(0, config.Stages.Count).Any(i => sub == $"{i}-{config.Stages[i].Name}"))
                    throw new UserError("stages",
                        $"run folder {dir}: checkpoints/{sub} belongs to no stage of config.json; the stage list of a started run " +
                        "cannot change");
        return states;
    }

    /// <summary>Trains every stage left, then writes the outputs. Throws <see cref="TrainingDivergedException"/> on NaN/Inf.</summary>
    public SessionOutcome Run(CancellationToken cancel)
    {
        while (true)
        {
            var trainer = Trainer;
            bool last = trainer.IsLastStage;
            if (trainer.StepReached == 0) RunExports.WriteSchedule(trainer, Folder);
            var session = new TrainingSession(trainer, Folder, _observer)
            {
                EarlierHistory = _earlier,
                Export = last ? RunExports.WriteAll : null,
            };
            if (session.Run(cancel) == SessionOutcome.Interrupted) return SessionOutcome.Interrupted;
            if (last) return SessionOutcome.Completed;
            // stopped as a stage ended: its final checkpoint is saved, and the next stage starts from it on resume
            if (cancel.IsCancellationRequested)
            {
                _observer.Log($"interrupted after stage {trainer.StageIndex + 1} ({trainer.Stage.Name}); continue it by resuming the run " +
                    $"in {Folder.Root}");
                return SessionOutcome.Interrupted;
            }
            // the next stage is built from this one's representation, which it then no longer needs
            var next = trainer.NextStage(_device);
            _earlier.AddRange(trainer.History);
            _previous?.Dispose();
            _previous = null;
            trainer.Dispose();
            Trainer = next;
        }
    }

    public static string DefaultFolder(TrainConfig c)
    {
        var name = string.IsNullOrWhiteSpace(c.Prompt) && c.Reference != null ? Path.GetFileNameWithoutExtension(c.Reference.Image)
            : c.Prompt;
        var pipeline = c.Pipeline == Pipelines.Default ? "" : $"-{c.Pipeline}";
        return Path.Combine("runs", $"{Slug(name)}{pipeline}-{c.Strategy}-seed{c.Seed}");
    }

    public static string Slug(string text)
    {
        var chars = text.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray();
        var slug = string.Join("-", new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
        return slug.Length == 0 ? "all" : slug.Length > 48 ? slug[..48] : slug;
    }

    public void Dispose()
    {
        Trainer.Dispose();
        _previous?.Dispose();
        _lock?.Dispose();
    }
}
