using DreamTime.Runtime;

namespace DreamTime.Configuration;

/// <summary>Per-stage seeds: stage 0 uses the run's seed as it is, later stages a mix of it and their index.</summary>
public static class StageSeeds
{
    private const int StreamStage = 0x57A6E;

    public static long Of(long seed, int stage) => stage == 0 ? seed : Seeds.Mix(seed, stage, StreamStage);
}
