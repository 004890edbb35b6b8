namespace DreamTime.Diffusion;

/// <summary>
/// DreamTime's time-prioritized schedule (TP-SDS): t(i) = argmin_t | sum_{t'=t}^{t_max} p(t') - i/N | with
/// p = W / sum W, W = W_d W_p. Evaluated as the authors do: C = cumulative sum of p from t_max downward,
/// k = first index with C[k] >= i/N, t(i) = max(t_max - k, t_min).
/// </summary>
public sealed class TimePrioritizedStrategy : ITimestepStrategy
{
    private readonly int[] _table;

    /// <summary>Unnormalised W(t) and normalised p(t) for t = t_min..t_max (index 0 is t_min).</summary>
    public double[] Weight { get; }
    public double[] Probability { get; }

    public string Name => "tp-sds";

    public TimePrioritizedStrategy(TimestepOptions o, NoiseSchedule schedule, int iterations)
    {
        int n = o.TMax - o.TMin + 1;
        Weight = new double[n];
        for (int k = 0; k < n; k++)
        {
            int t = o.TMin + k;
            double wd = schedule.InverseSqrtSnr(t);
            double wp = PriorWeight(t, o.M1, o.M2, o.S1, o.S2);
            Weight[k] = o.TimePrior switch { "wd*wp" => wd * wp, "wp" => wp, "wd" => wd, _ => 1.0 };
        }
        double sum = Weight.Sum();
        Probability = Weight.Select(w => w / sum).ToArray();

        // C[k] = sum of p over t_max, t_max-1, ..., t_max-k
        var cumulative = new double[n];
        double acc = 0;
        for (int k = 0; k < n; k++) { acc += Probability[n - 1 - k]; cumulative[k] = acc; }
        _table = new int[iterations + 1];
        int first = 0;
        for (int i = 1; i <= iterations; i++)
        {
            double target = (double)i / iterations;
            // targets grow with i, so the search continues where the last one stopped; the tolerance absorbs
            // rounding in the running sum, which may end a hair below 1 at i = N.
            while (first < n - 1 && cumulative[first] < target - 1e-12) first++;
            _table[i] = Math.Max(o.TMax - first, o.TMin);
        }
    }

    /// <summary>W_p: a plateau on [m2, m1] with Gaussian shoulders of widths s1 (above) and s2 (below).</summary>
    public static double PriorWeight(double t, double m1, double m2, double s1, double s2) =>
        t > m1 ? Math.Exp(-(t - m1) * (t - m1) / (2 * s1 * s1))
        : t < m2 ? Math.Exp(-(t - m2) * (t - m2) / (2 * s2 * s2))
        : 1.0;

    public int TimestepAt(int iteration) => _table[Math.Clamp(iteration, 1, _table.Length - 1)];
}
