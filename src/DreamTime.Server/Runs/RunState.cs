namespace DreamTime.Server.Runs;

/// <summary>Where a run stands, as the list shows it.</summary>
public enum RunState
{
    /// <summary>Waiting in this server's queue for its device.</summary>
    Queued,
    /// <summary>Training now, in this server or in another process (its folder's lock is held).</summary>
    Running,
    /// <summary>Its metrics.json is written: trained and exported.</summary>
    Done,
    /// <summary>Stopped before the end (cancelled, killed or diverged); it can be resumed from its checkpoint.</summary>
    Interrupted,
    /// <summary>Started from the page and failed; the message says why.</summary>
    Failed,
}
