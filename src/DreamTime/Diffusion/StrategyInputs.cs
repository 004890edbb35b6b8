namespace DreamTime.Diffusion;

/// <summary>What a strategy is built for besides its knobs: the noise table, the stage's iteration count and the run's seed.</summary>
public sealed record StrategyInputs(NoiseSchedule Schedule, int Iterations, long Seed);
