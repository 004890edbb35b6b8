namespace DreamTime.Studies.Benchmarks;

/// <summary>One row: parameter counts and median seconds of each part of a training step and of guided inference.</summary>
public sealed record LearnedPriorBenchmarkRow(int[] Channels, long UnetParameters, long TextParameters, double RenderBatch, double Update,
    double GuidedInference);
