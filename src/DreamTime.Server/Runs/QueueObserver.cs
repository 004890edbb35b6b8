using System.Text.Json.Nodes;
using DreamTime.Server.Events;
using DreamTime.Training;

namespace DreamTime.Server.Runs;

/// <summary>Turns a queued run's library callbacks into page events, as the steps finish (no file is read for them).</summary>
public sealed class QueueObserver(QueuedRun run, RunEvents events) : IRunObserver
{
    private JsonNode? _config;

    public void Log(string message) => events.Publish(new ServerEvent("log", run.Id, Message: message));

    public void StepCompleted(StepRecord record, int last)
    {
        _config ??= RunCatalog.ReadJson(new RunFolder(run.Folder).Config);
        var (index, count, _) = RunCatalog.PlaceStage(_config, record.Stage);
        var psnr = record.Evaluation?.Metric("psnr") ?? run.Progress?.Psnr;
        var progress = new RunProgress(record.Stage, index, count, record.Step, last, record.T, record.Loss, psnr,
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        run.Progress = progress;
        events.Publish(new ServerEvent("step", run.Id, progress, RunState.Running));
    }
}
