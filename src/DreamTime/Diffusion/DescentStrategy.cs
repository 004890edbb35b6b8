namespace DreamTime.Diffusion;

/// <summary>t(i) = t_max - (t_max - t_min) f(i/N): f(x) = x is linear descent, f = sqrt is HiFA's schedule.</summary>
public sealed class DescentStrategy(string name, int tMin, int tMax, int iterations, Func<double, double> shape) : ITimestepStrategy
{
    public string Name => name;
    public int TimestepAt(int iteration) =>
        (int)Math.Round(tMax - (tMax - tMin) * shape(Math.Clamp((double)iteration / iterations, 0, 1)));
}
