using DreamTime.Guidance;
using DreamTime.Training;
using DreamTime.Configuration;

namespace DreamTime.Studies.Benchmarks;

public sealed record SdsStepBenchmarkRow(string Prior, int Resolution, double SecondsPerStep);
