using DreamTime.Runtime;

namespace DreamTime.Diffusion;

/// <summary>DreamFusion's SDS: t ~ U{t_min..t_max} independently at each iteration.</summary>
public sealed class UniformStrategy(int tMin, int tMax, long seed) : ITimestepStrategy
{
    public string Name => "uniform";
    public int TimestepAt(int iteration) => new Random(Seeds.Mix(seed, iteration, 0x71)).Next(tMin, tMax + 1);
}
