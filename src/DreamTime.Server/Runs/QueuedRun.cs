using DreamTime.Configuration;

namespace DreamTime.Server.Runs;

/// <summary>A run this server was asked to train: a new one (with its configuration) or a resume of a run folder.</summary>
public sealed class QueuedRun(string id, string folder, TrainConfig? config, string device)
{
    public string Id { get; } = id;
    public string Folder { get; } = folder;
    /// <summary>Null for a resume: the folder's own configuration is used.</summary>
    public TrainConfig? Config { get; } = config;
    public string Device { get; } = device;
    public CancellationTokenSource Cancel { get; } = new();
    public RunState State { get; set; } = RunState.Queued;
    public string? Message { get; set; }
    public RunProgress? Progress { get; set; }
}
