namespace DreamTime.Studies.Benchmarks;

public sealed record SdsStepBenchmarkRow(string Prior, int Resolution, double SecondsPerStep);
