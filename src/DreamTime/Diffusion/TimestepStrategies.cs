using DreamTime.Runtime;

namespace DreamTime.Diffusion;

/// <summary>Picks the diffusion timestep of each training iteration (one t for the whole batch).</summary>
public interface ITimestepStrategy
{
    string Name { get; }
    /// <summary>The timestep of iteration i, for i = 1..N.</summary>
    int TimestepAt(int iteration);
}

/// <summary>Every knob of every strategy, with the paper's defaults. Validate() names the offending option.</summary>
public sealed record TimestepOptions
{
    public static IReadOnlyCollection<string> StrategyNames => TimestepStrategies.Names;
    public static readonly string[] TimePriorNames = { "wd*wp", "wp", "wd", "uniform" };

    public string Strategy { get; init; } = "tp-sds";
    public int Iterations { get; init; } = 1000;
    public int TMin { get; init; } = 20;
    public int TMax { get; init; } = 980;
    public long Seed { get; init; } = 0;
    /// <summary>TP-SDS time prior W(t) (not the built-in diffusion prior): "wd*wp" (paper), "wp", "wd" or "uniform" (= linear descent).</summary>
    public string TimePrior { get; init; } = "wd*wp";
    public double M1 { get; init; } = 800;
    public double M2 { get; init; } = 500;
    public double S1 { get; init; } = 300;
    public double S2 { get; init; } = 100;
    /// <summary>Half-width of a random window around a deterministic t(i); 0 = none.</summary>
    public int Window { get; init; } = 0;
    /// <summary>two-stage: the iteration from which t is drawn from [t_min, StageTwoTMax].</summary>
    public int SwitchIteration { get; init; } = -1;
    public int StageTwoTMax { get; init; } = 500;

    public void Validate(int trainTimesteps)
    {
        var registration = TimestepStrategies.Find(Strategy);
        if (Iterations <= 0) throw new UserError($"--iterations {Iterations}: must be a positive integer");
        if (TMin < 0 || TMin >= trainTimesteps) throw new UserError($"--t-min {TMin}: must be in [0, {trainTimesteps - 1}]");
        if (TMax < 0 || TMax >= trainTimesteps) throw new UserError($"--t-max {TMax}: must be in [0, {trainTimesteps - 1}]");
        if (TMin >= TMax) throw new UserError($"--t-min {TMin} must be smaller than --t-max {TMax}");
        if (!TimePriorNames.Contains(TimePrior)) throw new UserError($"--time-prior {TimePrior}: unknown; allowed: {string.Join(", ", TimePriorNames)}");
        if (M2 > M1) throw new UserError($"--m2 {M2} must not exceed --m1 {M1}");
        if (!(S1 > 0)) throw new UserError($"--s1 {S1}: must be positive");
        if (!(S2 > 0)) throw new UserError($"--s2 {S2}: must be positive");
        if (Window < 0 || Window >= trainTimesteps) throw new UserError($"--window {Window}: must be in [0, {trainTimesteps - 1}]");
        registration.Validate?.Invoke(this);
    }

    public ITimestepStrategy Build(NoiseSchedule schedule)
    {
        Validate(schedule.TrainTimesteps);
        var r = TimestepStrategies.Find(Strategy);
        var s = r.Create(this, schedule);
        return Window > 0 && r.Deterministic ? new RandomWindow(s, Window, TMin, TMax, Seed) : s;
    }
}

/// <summary>
/// The strategies by name. Adding one is a type implementing <see cref="ITimestepStrategy"/> and one
/// <see cref="Register"/> call here; its knobs live in <see cref="TimestepOptions"/> (and are then settable from
/// config.json and `--set timesteps.KEY=VALUE` without a new command-line option).
/// </summary>
public static class TimestepStrategies
{
    /// <param name="Deterministic">t(i) is a fixed function of i, so --window can add a random offset around it.</param>
    /// <param name="Validate">Checks of the options that only this strategy uses (a UserError naming the option).</param>
    public sealed record Registration(string Name, string Description, bool Deterministic,
        Func<TimestepOptions, NoiseSchedule, ITimestepStrategy> Create, Action<TimestepOptions>? Validate = null);

    private static readonly List<Registration> Registered = new();

    public static void Register(Registration r)
    {
        if (Registered.Any(x => x.Name == r.Name)) throw new InvalidOperationException($"strategy '{r.Name}' is registered twice");
        Registered.Add(r);
    }

    public static IReadOnlyCollection<string> Names => Registered.Select(r => r.Name).ToList();
    public static IReadOnlyList<Registration> All => Registered;

    public static Registration Find(string name) => Registered.FirstOrDefault(r => r.Name == name)
        ?? throw new UserError($"--strategy {name}: unknown strategy; allowed: {string.Join(", ", Names)}");

    static TimestepStrategies()
    {
        Register(new("tp-sds", "DreamTime's time-prioritized schedule: t descends at the pace of W(t) = W_d W_p", true,
            (o, schedule) => new TimePrioritizedStrategy(o, schedule)));
        Register(new("uniform", "DreamFusion: t ~ U[t_min, t_max] at every step", false, (o, _) => new UniformStrategy(o.TMin, o.TMax, o.Seed)));
        Register(new("linear", "linear descent from t_max to t_min", true, (o, _) => new DescentStrategy("linear", o.TMin, o.TMax, o.Iterations, f => f)));
        Register(new("hifa", "HiFA: square-root descent", true, (o, _) => new DescentStrategy("hifa", o.TMin, o.TMax, o.Iterations, Math.Sqrt)));
        Register(new("two-stage", "ProlificDreamer: U[t_min, t_max], then U[t_min, stage-two t_max] from the switch iteration", false,
            (o, _) => new TwoStageStrategy(o.TMin, o.TMax, o.StageTwoTMax, o.SwitchIteration > 0 ? o.SwitchIteration : o.Iterations / 2 + 1, o.Seed),
            o =>
            {
                if (o.StageTwoTMax <= o.TMin || o.StageTwoTMax > o.TMax) throw new UserError($"--stage2-t-max {o.StageTwoTMax}: must be in ({o.TMin}, {o.TMax}]");
                if (o.SwitchIteration == 0 || o.SwitchIteration > o.Iterations) throw new UserError($"--switch-iteration {o.SwitchIteration}: must be in [1, {o.Iterations}] (or negative for half-way)");
            }));
    }
}

/// <summary>DreamFusion's SDS: t ~ U{t_min..t_max} independently at each iteration.</summary>
public sealed class UniformStrategy(int tMin, int tMax, long seed) : ITimestepStrategy
{
    public string Name => "uniform";
    public int TimestepAt(int iteration) => new Random(Seeds.Mix(seed, iteration, 0x71)).Next(tMin, tMax + 1);
}

/// <summary>t(i) = t_max - (t_max - t_min) f(i/N): f(x) = x is linear descent, f = sqrt is HiFA's schedule.</summary>
public sealed class DescentStrategy(string name, int tMin, int tMax, int iterations, Func<double, double> shape) : ITimestepStrategy
{
    public string Name => name;
    public int TimestepAt(int iteration) =>
        (int)Math.Round(tMax - (tMax - tMin) * shape(Math.Clamp((double)iteration / iterations, 0, 1)));
}

/// <summary>ProlificDreamer: t ~ U[t_min, t_max] until the switch iteration, then U[t_min, stage-two t_max].</summary>
public sealed class TwoStageStrategy(int tMin, int tMax, int stageTwoTMax, int switchIteration, long seed) : ITimestepStrategy
{
    public string Name => "two-stage";
    public int TimestepAt(int iteration) =>
        new Random(Seeds.Mix(seed, iteration, 0x72)).Next(tMin, (iteration >= switchIteration ? stageTwoTMax : tMax) + 1);
}

/// <summary>A random offset in [-w, w] around a deterministic schedule, clamped to [t_min, t_max].</summary>
public sealed class RandomWindow(ITimestepStrategy inner, int halfWidth, int tMin, int tMax, long seed) : ITimestepStrategy
{
    public string Name => inner.Name + "+window";
    public int TimestepAt(int iteration) =>
        Math.Clamp(inner.TimestepAt(iteration) + new Random(Seeds.Mix(seed, iteration, 0x73)).Next(-halfWidth, halfWidth + 1), tMin, tMax);
}

/// <summary>
/// DreamTime's time-prioritized schedule (TP-SDS): t(i) = argmin_t | sum_{t'=t}^{t_max} p(t') - i/N | with
/// p = W / sum W, W = W_d W_p. Evaluated as the authors do: C = cumulative sum of p from t_max downward,
/// k = first index with C[k] >= i/N, t(i) = max(t_max - k, t_min).
/// </summary>
public sealed class TimePrioritizedStrategy : ITimestepStrategy
{
    private readonly TimestepOptions _o;
    private readonly int[] _table;

    /// <summary>Unnormalised W(t) and normalised p(t) for t = t_min..t_max (index 0 is t_min).</summary>
    public double[] Weight { get; }
    public double[] Probability { get; }

    public string Name => "tp-sds";

    public TimePrioritizedStrategy(TimestepOptions o, NoiseSchedule schedule)
    {
        _o = o;
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
        _table = new int[o.Iterations + 1];
        int first = 0;
        for (int i = 1; i <= o.Iterations; i++)
        {
            double target = (double)i / o.Iterations;
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

    public int TimestepAt(int iteration) => _table[Math.Clamp(iteration, 1, _o.Iterations)];
}
