namespace DreamTime.Server.Runs;

/// <summary>How far a run has come: its latest step within its stage, and the latest evaluated fidelity.</summary>
/// <param name="StageIndex">0-based; <paramref name="Stages"/> in all</param>
/// <param name="Last">the stage's last step</param>
/// <param name="Sent">when the step finished (Unix milliseconds), so a page can tell how late it sees it</param>
public sealed record RunProgress(string? Stage, int StageIndex, int Stages, int Step, int Last, int T, double Loss, double? Psnr,
    long Sent);
