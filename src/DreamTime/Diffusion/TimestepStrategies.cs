using DreamTime.Runtime;

namespace DreamTime.Diffusion;

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
        Func<TimestepOptions, StrategyInputs, ITimestepStrategy> Create, Action<TimestepOptions, int>? Validate = null);

    private static readonly List<Registration> Registered = new();

    public static void Register(Registration r)
    {
        if (Registered.Any(x => x.Name == r.Name)) throw new InvalidOperationException($"strategy '{r.Name}' is registered twice");
        Registered.Add(r);
    }

    public static IReadOnlyCollection<string> Names => Registered.Select(r => r.Name).ToList();
    public static IReadOnlyList<Registration> All => Registered;

    public static Registration Find(string name) => Registered.FirstOrDefault(r => r.Name == name)
        ?? throw new UserError("strategy", $"{name}: unknown strategy; allowed: {string.Join(", ", Names)}");

    static TimestepStrategies()
    {
        Register(new("tp-sds", "DreamTime's time-prioritized schedule: t descends at the pace of W(t) = W_d W_p", true,
            (o, x) => new TimePrioritizedStrategy(o, x.Schedule, x.Iterations)));
        Register(new("uniform", "DreamFusion: t ~ U[t_min, t_max] at every step", false, (o, x) =>
            new UniformStrategy(o.TMin, o.TMax, x.Seed)));
        Register(new("linear", "linear descent from t_max to t_min", true, (o, x) =>
            new DescentStrategy("linear", o.TMin, o.TMax, x.Iterations, f => f)));
        Register(new("hifa", "HiFA: square-root descent", true, (o, x) =>
            new DescentStrategy("hifa", o.TMin, o.TMax, x.Iterations, Math.Sqrt)));
        Register(new("two-stage", "ProlificDreamer: U[t_min, t_max], then U[t_min, stage-two t_max] from the switch iteration", false,
            (o, x) => new TwoStageStrategy(o.TMin, o.TMax, o.StageTwoTMax, o.SwitchIteration > 0 ? o.SwitchIteration : x.Iterations / 2 + 1,
                x.Seed),
            (o, iterations) =>
            {
                if (o.StageTwoTMax <= o.TMin || o.StageTwoTMax > o.TMax)
                    throw new UserError("stage_two_t_max", $"is {o.StageTwoTMax}; must be in (t_min, t_max] = ({o.TMin}, {o.TMax}]");
                if (o.SwitchIteration == 0 || o.SwitchIteration > iterations)
                    throw new UserError("switch_iteration",
                        $"is {o.SwitchIteration}; must be in [1, {iterations}] (or negative for half-way)");
            }));
    }
}
