namespace DreamTime.Runtime;

/// <summary>
/// Derives independent seeds from (run seed, step, stream). Everything random in a step is seeded from
/// these, so a step's draws do not depend on how the run got there (which is what makes resume exact).
/// </summary>
public static class Seeds
{
    public static int Mix(long seed, long step, long stream)
    {
        ulong x = (ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)step * 0xBF58476D1CE4E5B9UL ^ (ulong)stream * 0x94D049BB133111EBUL;
        x ^= x >> 30; x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27; x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (int)(x & 0x7FFFFFFF);
    }

    /// <summary>A torch generator for (seed, step, stream) on the CPU.</summary>
    public static TorchSharp.torch.Generator Generator(long seed, long step, long stream) =>
        new TorchSharp.torch.Generator((ulong)Mix(seed, step, stream));
}
