using DreamTime.Representations;
using static TorchSharp.torch;

namespace DreamTime.Configuration;

/// <summary>What a component factory may use: the whole run configuration, the index of the stage being built,
/// the device, and for a later stage the previous stage's representation.</summary>
public sealed record ComponentContext(TrainConfig Config, Device Device, int StageIndex = 0, IRepresentation? Previous = null)
{
    private const int StreamParticle = 0x9A271;

    /// <summary>Which of the run's particles a representation is built for (particle 0 starts as a single-particle run's).</summary>
    public int Particle { get; init; }

    public StageSettings Stage => Config.Stages[StageIndex];

    /// <summary>The seed of this stage's random streams: the run's for the first stage (so a one-stage run draws exactly
    /// what it drew before stages existed), mixed with the stage index for the others.</summary>
    public long StageSeed => Particle == 0 ? StageSeeds.Of(Config.Seed, StageIndex)
        : Runtime.Seeds.Mix(StageSeeds.Of(Config.Seed, StageIndex), Particle, StreamParticle);
}
