using System.Collections.Concurrent;
using System.Threading.Channels;
using DreamTime.Configuration;
using DreamTime.Runtime;
using DreamTime.Server.Events;
using DreamTime.Training;

namespace DreamTime.Server.Runs;

/// <summary>
/// Runs started from the page, one at a time per device, in the order they were asked for. A run is cancelled
/// between steps (its checkpoint written, so it can be resumed) or, while still queued, dropped. What this server
/// knows of a run (queued, running, failed and why) is kept here; everything else is read from the run folders.
/// </summary>
public sealed class RunQueue(RunCatalog catalog, RunEvents events, string? device) : IDisposable
{
    private readonly ConcurrentDictionary<string, QueuedRun> _runs = new();
    private readonly Dictionary<string, (Channel<QueuedRun> Lane, Task Worker)> _lanes = [];
    private readonly Lock _gate = new();

    /// <summary>Queues a new run into a new folder of the runs folder named after its subject.</summary>
    public QueuedRun Start(TrainConfig config, string subject)
    {
        string folder;
        lock (_gate)
        {
            var stem = Path.Combine(catalog.Root, GenerationRun.Slug(subject));
            folder = stem;
            for (int n = 2; Directory.Exists(folder) || _runs.Values.Any(r => r.Folder == folder); n++) folder = $"{stem}-{n}";
            // an empty folder holds the name; GenerationRun.Start accepts it
            AtomicFile.EnsureWritableFolder(folder, "run folder");
        }
        return Enqueue(new QueuedRun(catalog.IdOf(folder), folder, config, DeviceOf(config.Device)));
    }

    /// <summary>Queues a resume of a run folder that is neither done nor training.</summary>
    public QueuedRun Resume(string folder)
    {
        var id = catalog.IdOf(folder);
        if (_runs.TryGetValue(id, out var known) && known.State is RunState.Queued or RunState.Running)
            throw new UserError($"run {id}: is already {known.State.ToString().ToLowerInvariant()}");
        var summary = catalog.Summarize(folder);
        if (summary.State != RunState.Interrupted)
            throw new UserError($"run {id}: is {summary.State.ToString().ToLowerInvariant()}; only an interrupted run can be resumed");
        if (!Directory.Exists(new RunFolder(folder).Checkpoints))
            throw new UserError($"run {id}: has no checkpoint to resume from");
        return Enqueue(new QueuedRun(id, folder, null, DeviceOf(null)));
    }

    /// <summary>Stops a running run after its current step, or drops a queued one. False when this server is not running it.</summary>
    public bool Cancel(string id)
    {
        if (!_runs.TryGetValue(id, out var run) || run.State is not (RunState.Queued or RunState.Running)) return false;
        run.Cancel.Cancel();
        return true;
    }

    /// <summary>The runs this server knows more about than their folders say.</summary>
    public IReadOnlyCollection<QueuedRun> Known => _runs.Values.ToList();

    public QueuedRun? Find(string id) => _runs.GetValueOrDefault(id);

    private string DeviceOf(string? configured) => device ?? configured ?? "cpu";

    private QueuedRun Enqueue(QueuedRun run)
    {
        _runs[run.Id] = run;
        lock (_gate)
        {
            if (!_lanes.TryGetValue(run.Device, out var lane))
            {
                var channel = Channel.CreateUnbounded<QueuedRun>(new UnboundedChannelOptions { SingleReader = true });
                lane = (channel, Task.Factory.StartNew(() => Work(channel.Reader), TaskCreationOptions.LongRunning));
                _lanes[run.Device] = lane;
            }
            lane.Lane.Writer.TryWrite(run);
        }
        events.Publish(new ServerEvent("state", run.Id, State: RunState.Queued));
        events.Publish(ServerEvent.ListChanged());
        return run;
    }

    private void Work(ChannelReader<QueuedRun> lane)
    {
        while (lane.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            while (lane.TryRead(out var run))
                Train(run);
    }

    private void Train(QueuedRun run)
    {
        if (run.Cancel.IsCancellationRequested)
        {
            // dropped while queued: a new run leaves no folder behind, a resume stays as it was
            _runs.TryRemove(new KeyValuePair<string, QueuedRun>(run.Id, run));
            if (run.Config != null) TryDeleteEmpty(run.Folder);
            events.Publish(new ServerEvent("state", run.Id, State: RunState.Interrupted, Message: "cancelled before it started"));
            events.Publish(ServerEvent.ListChanged());
            return;
        }
        run.State = RunState.Running;
        events.Publish(new ServerEvent("state", run.Id, State: RunState.Running));
        var observer = new QueueObserver(run, events);
        RunState outcome;
        string? message = null;
        try
        {
            using var generation = run.Config != null
                ? GenerationRun.Start(run.Config, run.Folder, overwrite: false, observer)
                : GenerationRun.Resume(run.Folder, new ResumeOverrides(run.Device, null), observer);
            events.Publish(ServerEvent.ListChanged());
            outcome = generation.Run(run.Cancel.Token) == SessionOutcome.Interrupted ? RunState.Interrupted : RunState.Done;
        }
        catch (Exception e) when (e is UserError or TrainingDivergedException)
        {
            outcome = RunState.Failed;
            message = e.Message;
        }
        catch (Exception e)
        {
            // the server outlives a run's crash; the message is the page's to show
            outcome = RunState.Failed;
            message = $"{e.GetType().Name}: {e.Message}";
        }
        TorchRuntime.ReleaseFreeMemory();
        if (outcome == RunState.Failed && run.Config != null) TryDeleteEmpty(run.Folder);
        // The run stays "running" until its folder is let go and its memory handed back: a resume asked for before
        // then is refused rather than started beside it. Only this run's entry goes (a resume may have replaced it).
        run.Message = message;
        run.State = outcome;
        if (outcome != RunState.Failed) _runs.TryRemove(new KeyValuePair<string, QueuedRun>(run.Id, run));
        events.Publish(new ServerEvent("state", run.Id, State: outcome, Message: message));
        events.Publish(ServerEvent.ListChanged());
    }

    private static void TryDeleteEmpty(string folder)
    {
        try
        {
            if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
        catch (IOException) { }
    }

    /// <summary>Stops the running runs after their current step (each writes its checkpoint) and waits for them.</summary>
    public void Dispose()
    {
        List<Task> workers;
        lock (_gate)
        {
            foreach (var run in _runs.Values) run.Cancel.Cancel();
            foreach (var (lane, _) in _lanes.Values) lane.Writer.TryComplete();
            workers = _lanes.Values.Select(l => l.Worker).ToList();
        }
        Task.WaitAll(workers);
    }
}
