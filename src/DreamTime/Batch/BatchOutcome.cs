namespace DreamTime.Batch;

/// <summary>What one shard did: jobs trained to the end, skipped as already done, held by another process, failed.</summary>
public sealed record BatchOutcome(int Trained, int AlreadyDone, int Held, int Diverged, bool Interrupted);
