namespace DreamTime.Server.Runs;

/// <summary>One row of the run list.</summary>
/// <param name="Id">the run folder's path relative to the runs folder, with '/'</param>
/// <param name="Subject">the prompt, or the picture's file name</param>
/// <param name="Psnr">the exported asset's PSNR against the nearest member (metrics.json), once done</param>
/// <param name="Thumbnail">a picture of the run relative to the runs folder, when there is one</param>
/// <param name="Message">why a run started from the page failed</param>
public sealed record RunSummary(string Id, string Subject, string? Pipeline, string? Strategy, long? Seed, RunState State,
    double? Psnr, double? MaskIou, string? Thumbnail, RunProgress? Progress, string? Message, DateTime Updated);
