using DreamTime.Representations;
using static TorchSharp.torch;

namespace DreamTime.Configuration;

/// <summary>What a component factory may use: the whole run configuration, the index of the stage being built,
/// the device, and for a later stage the previous stage's representation.</summary>
public sealed record ComponentContext(TrainConfig Config, Device Device, int StageIndex = 0, IRepresentation? Previous = null)
{
    public StageSettings Stage => Config.Stages[StageIndex];

    /// <summary>The seed of this stage's random streams: the run's for the first stage (so a one-stage run draws exactly
    /// what it drew before stages existed), mixed with the stage index for the others.</summary>
    public long StageSeed => StageSeeds.Of(Config.Seed, StageIndex);
}
