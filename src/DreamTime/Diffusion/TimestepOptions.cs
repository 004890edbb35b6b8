using DreamTime.Runtime;

namespace DreamTime.Diffusion;

/// <summary>Every knob of every strategy, with the paper's defaults. Validate() names the offending option.</summary>
public sealed record TimestepOptions
{
    public static IReadOnlyCollection<string> StrategyNames => TimestepStrategies.Names;
    public static readonly string[] TimePriorNames = { "wd*wp", "wp", "wd", "uniform" };

    public string Strategy { get; init; } = "tp-sds";
    public int TMin { get; init; } = 20;
    public int TMax { get; init; } = 980;
    /// <summary>TP-SDS time prior W(t) (not the built-in diffusion prior):
    /// "wd*wp" (paper), "wp", "wd" or "uniform" (= linear descent).</summary>
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

    /// <param name="iterations">the iteration count of the stage the schedule is for (it lives with the stage, not here)</param>
    public void Validate(int trainTimesteps, int iterations)
    {
        var registration = TimestepStrategies.Find(Strategy);
        if (iterations <= 0) throw new UserError("iterations", $"is {iterations}; must be a positive integer");
        if (TMin < 0 || TMin >= trainTimesteps) throw new UserError("t_min", $"is {TMin}; must be in [0, {trainTimesteps - 1}]");
        if (TMax < 0 || TMax >= trainTimesteps) throw new UserError("t_max", $"is {TMax}; must be in [0, {trainTimesteps - 1}]");
        if (TMin >= TMax) throw new UserError("t_min", $"is {TMin}; must be smaller than t_max ({TMax})");
        if (!TimePriorNames.Contains(TimePrior))
            throw new UserError("time_prior", $"{TimePrior}: unknown; allowed: {string.Join(", ", TimePriorNames)}");
        if (M2 > M1) throw new UserError("m2", $"is {M2}; must not exceed m1 ({M1})");
        if (!(S1 > 0)) throw new UserError("s1", $"is {S1}; must be positive");
        if (!(S2 > 0)) throw new UserError("s2", $"is {S2}; must be positive");
        if (Window < 0 || Window >= trainTimesteps) throw new UserError("window", $"is {Window}; must be in [0, {trainTimesteps - 1}]");
        registration.Validate?.Invoke(this, iterations);
    }

    /// <summary>The strategy for a stage of <paramref name="iterations"/> steps; <paramref name="seed"/> drives its random draws.</summary>
    public ITimestepStrategy Build(NoiseSchedule schedule, int iterations, long seed)
    {
        Validate(schedule.TrainTimesteps, iterations);
        var r = TimestepStrategies.Find(Strategy);
        var s = r.Create(this, new StrategyInputs(schedule, iterations, seed));
        return Window > 0 && r.Deterministic ? new RandomWindow(s, Window, TMin, TMax, seed) : s;
    }
}
