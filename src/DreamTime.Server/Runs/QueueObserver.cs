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
        var stages = _config?["stages"]?.AsArray().Select(s => s?["name"]?.GetValue<string>()).ToList() ?? [];
        var progress = new RunProgress(record.Stage, Math.Max(0, stages.IndexOf(record.Stage)), Math.Max(1, stages.Count), record.Step,
            last, record.T, record.Loss, record.Evaluation?.Metric("psnr") ?? run.Progress?.Psnr,
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        run.Progress = progress;
        events.Publish(new ServerEvent("step", run.Id, progress, RunState.Running));
    }
}
