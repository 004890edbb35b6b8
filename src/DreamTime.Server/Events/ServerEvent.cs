using DreamTime.Server.Runs;

namespace DreamTime.Server.Events;

/// <summary>
/// What the page is told over server-sent events: "step" (a run's progress), "state" (a run was queued, started,
/// finished, cancelled, failed) or "list" (run folders appeared or went; the page reads the list again).
/// </summary>
public sealed record ServerEvent(string Type, string? Id = null, RunProgress? Progress = null, RunState? State = null,
    string? Message = null)
{
    public static ServerEvent ListChanged() => new("list");
}
