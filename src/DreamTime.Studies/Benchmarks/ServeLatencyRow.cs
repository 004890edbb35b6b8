namespace DreamTime.Studies.Benchmarks;

/// <summary>
/// How late the event stream carried a run's steps: from the step's completion (the observer's call, or the
/// metrics.jsonl write of a run in another process) to an open event stream receiving it, in milliseconds.
/// </summary>
public sealed record ServeLatencyRow(string Path, int Steps, int Events, double MedianMs, double P95Ms, double MaxMs);
