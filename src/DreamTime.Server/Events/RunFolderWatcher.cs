using DreamTime.Server.Runs;

namespace DreamTime.Server.Events;

/// <summary>
/// Follows runs that other processes train in the runs folder (a `generate` in a terminal, a batch) through the
/// operating system's file notifications: a step appended to a run's metrics.jsonl becomes a "step" event, and a run
/// folder that appears, finishes or goes becomes a "list" event. Runs this server trains report through their
/// observer instead. Nothing is polled: an idle runs folder costs nothing.
/// </summary>
public sealed class RunFolderWatcher : IDisposable
{
    private static readonly HashSet<string> ListFiles = ["config.json", "metrics.json", ".lock", "model.glb"];
    private readonly RunCatalog _catalog;
    private readonly RunEvents _events;
    private readonly Func<string, bool> _ownRun;
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _listDebounce;
    private int _listPending;

    /// <param name="ownRun">whether this server trains the run with that id (its steps come from its observer)</param>
    public RunFolderWatcher(RunCatalog catalog, RunEvents events, Func<string, bool> ownRun)
    {
        _catalog = catalog;
        _events = events;
        _ownRun = ownRun;
        // a burst of file events (an export writes dozens) becomes one list event
        _listDebounce = new Timer(_ =>
        {
            Interlocked.Exchange(ref _listPending, 0);
            _events.Publish(ServerEvent.ListChanged());
        });
        _watcher = new FileSystemWatcher(catalog.Root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            InternalBufferSize = 64 * 1024,
        };
        _watcher.Changed += (_, e) => OnFile(e.FullPath);
        _watcher.Created += (_, e) => OnFile(e.FullPath);
        _watcher.Deleted += (_, e) => OnFile(e.FullPath);
        _watcher.Renamed += (_, e) => OnFile(e.FullPath);
        _watcher.Error += (_, _) => ListChanged();
        _watcher.EnableRaisingEvents = true;
    }

    private void OnFile(string path)
    {
        var name = Path.GetFileName(path);
        try
        {
            if (name == "metrics.jsonl") Step(Path.GetDirectoryName(path)!);
            else if (ListFiles.Contains(name) || Directory.Exists(path) || !Path.HasExtension(name)) ListChanged();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Runtime.UserError)
        {
            // the folder changed under the read (a run deleted, a file half-renamed): its next event, or the list, tells
            ListChanged();
        }
    }

    private void ListChanged()
    {
        if (Interlocked.Exchange(ref _listPending, 1) == 0) _listDebounce.Change(200, Timeout.Infinite);
    }

    private void Step(string folder)
    {
        var id = _catalog.IdOf(folder);
        if (_ownRun(id) || _catalog.FolderOf(id) == null) return;
        // only the log's tail and the state: the rest of the row (thumbnails, metrics) is the list's to read
        var (progress, state) = _catalog.LatestStep(folder);
        if (progress != null) _events.Publish(new ServerEvent("step", id, progress, state));
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _listDebounce.Dispose();
    }
}
