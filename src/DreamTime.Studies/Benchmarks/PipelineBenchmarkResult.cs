namespace DreamTime.Studies.Benchmarks;

/// <summary>A timed run of the default pipeline and the NeRF step with empty-space skipping on and off.</summary>
/// <param name="AssetSeconds">from the start of the run to the exported asset, outputs included</param>
/// <param name="StepOn">median seconds of a NeRF step at the end of its stage, occupancy grid on</param>
/// <param name="QueriedFraction">of the samples marched in the last timed step, the share whose density was queried</param>
public sealed record PipelineBenchmarkResult(IReadOnlyList<PipelineStageRow> Stages, double AssetSeconds, double? PeakMiB,
    double StepOn, double StepOff, double QueriedFraction, double OccupiedFraction, double? MeshPsnr);
