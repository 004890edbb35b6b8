using DreamTime.Runtime;

namespace DreamTime.Diffusion;

/// <summary>ProlificDreamer: t ~ U[t_min, t_max] until the switch iteration, then U[t_min, stage-two t_max].</summary>
public sealed class TwoStageStrategy(int tMin, int tMax, int stageTwoTMax, int switchIteration, long seed) : ITimestepStrategy
{
    public string Name => "two-stage";
    public int TimestepAt(int iteration) =>
        new Random(Seeds.Mix(seed, iteration, 0x72)).Next(tMin, (iteration >= switchIteration ? stageTwoTMax : tMax) + 1);
}
