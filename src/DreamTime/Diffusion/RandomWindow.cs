using DreamTime.Runtime;

namespace DreamTime.Diffusion;

/// <summary>A random offset in [-w, w] around a deterministic schedule, clamped to [t_min, t_max].</summary>
public sealed class RandomWindow(ITimestepStrategy inner, int halfWidth, int tMin, int tMax, long seed) : ITimestepStrategy
{
    public string Name => inner.Name + "+window";
    public int TimestepAt(int iteration) =>
        Math.Clamp(inner.TimestepAt(iteration) + new Random(Seeds.Mix(seed, iteration, 0x73)).Next(-halfWidth, halfWidth + 1), tMin, tMax);
}
