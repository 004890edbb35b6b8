using DreamTime.Representations.Nerf;

namespace DreamTime.Studies.Benchmarks;

/// <param name="Median">each part's median over the timed steps (so the medians need not add up exactly)</param>
/// <param name="KeptSamples">samples whose appearance the last step computed (the rest fell under the skip weight)</param>
public sealed record NerfStepResult(HashGridBackend Backend, NerfStepTimes Median, long KeptSamples, long TotalSamples);
