using System.CommandLine;
using System.Text.Json.Nodes;
using DreamTime.Diffusion;

namespace DreamTime.Cli;

/// <summary>The timestep-strategy and noise-table options, shared by `schedule` and `generate`.</summary>
public sealed class TimestepOptionSet
{
    private static readonly TimestepOptions D = new();
    public readonly Option<string> Strategy = new("--strategy")
    {
        Description = "Timestep strategy: " + string.Join("; ", TimestepStrategies.All.Select(r => $"{r.Name} = {r.Description}")) + ".",
        DefaultValueFactory = _ => D.Strategy,
    };
    public readonly Option<int> Iterations = new("--iterations")
    {
        Description = "Number of training iterations N (t is given for i = " +
                                                                                 "1..N).",
        DefaultValueFactory = _ => 1000
    };
    public readonly Option<int> TMin = new("--t-min")
    {
        Description = "Smallest timestep (0.02 T by default).",
        DefaultValueFactory = _ => D.TMin,
    };
    public readonly Option<int> TMax = new("--t-max")
    {
        Description = "Largest timestep (0.98 T by default).",
        DefaultValueFactory = _ => D.TMax,
    };
    public readonly Option<string> TimePrior = NewTimePrior();
    public readonly Option<double> M1 = new("--m1")
    {
        Description = "TP-SDS: upper end of W_p's plateau.",
        DefaultValueFactory = _ => D.M1,
    };
    public readonly Option<double> M2 = new("--m2")
    {
        Description = "TP-SDS: lower end of W_p's plateau (m2 <= m1).",
        DefaultValueFactory = _ => D.M2,
    };
    public readonly Option<double> S1 = new("--s1")
    {
        Description = "TP-SDS: width of W_p's Gaussian above m1 (> 0).",
        DefaultValueFactory = _ => D.S1,
    };
    public readonly Option<double> S2 = new("--s2")
    {
        Description = "TP-SDS: width of W_p's Gaussian below m2 (> 0).",
        DefaultValueFactory = _ => D.S2,
    };
    public readonly Option<int> Window = new("--window")
    {
        Description = "Half-width of a random window around a deterministic t(i) (tp-sds, linear, hifa); 0 = none.",
        DefaultValueFactory = _ => D.Window,
    };
    public readonly Option<int> SwitchIteration = new("--switch-iteration")
    {
        Description = "two-stage: iteration from which t is drawn from [t_min, --stage2-t-max]; negative = half-way.",
        DefaultValueFactory = _ => D.SwitchIteration,
    };
    public readonly Option<int> StageTwoTMax = new("--stage2-t-max")
    {
        Description = "two-stage: upper timestep after the switch.",
        DefaultValueFactory = _ => D.StageTwoTMax,
    };
    public readonly Option<long> Seed = new("--seed")
    {
        Description = "Random seed (uniform and two-stage draws, windows).",
        DefaultValueFactory = _ => 0,
    };
    public readonly Option<string> BetaSchedule = new("--beta-schedule")
    {
        Description = $"Noise table: {string.Join(", ", NoiseSchedule.BetaScheduleNames)}.",
        DefaultValueFactory = _ => "scaled_linear",
    };
    public readonly Option<double> BetaStart = new("--beta-start")
    {
        Description = "First beta of the noise table.",
        DefaultValueFactory = _ => 0.00085,
    };
    public readonly Option<double> BetaEnd = new("--beta-end")
    {
        Description = "Last beta of the noise table.",
        DefaultValueFactory = _ => 0.012,
    };
    public readonly Option<int> TrainTimesteps = new("--train-timesteps")
    {
        Description = "Number of training timesteps T.",
        DefaultValueFactory = _ => 1000,
    };

    /// <summary>`--time-prior`, also offered by `compare` (which has no other strategy options) for the W(t) ablation.</summary>
    public static Option<string> NewTimePrior() =>
        new("--time-prior")
        {
            Description = "TP-SDS weight W(t): wd*wp (paper), wp (W_p only), wd (W_d only) or uniform (= linear " +
                                            "descent).",
            DefaultValueFactory = _ => D.TimePrior
        };

    public TimestepOptionSet(Command cmd, bool includeSeed = true, bool includeNoiseTable = true)
    {
        foreach (var o in new Option[]
                 {
                     Strategy, Iterations, TMin, TMax, TimePrior, M1, M2, S1, S2, Window, SwitchIteration, StageTwoTMax,
                 })
            cmd.Options.Add(o);
        if (includeSeed) cmd.Options.Add(Seed);
        if (includeNoiseTable) foreach (var o in new Option[] { BetaSchedule, BetaStart, BetaEnd, TrainTimesteps }) cmd.Options.Add(o);
        // errors name the timesteps keys, in config.json's "timesteps" section or (a command's own TimestepOptions) alone
        foreach (var (option, key, _) in ConfigKeys().Where(k => cmd.Options.Contains(k.Option)))
        {
            KeyFlags.Add(cmd, key, option);
            KeyFlags.Add(cmd, key is "seed" or "iterations" ? key : "timesteps." + key, option);
            KeyFlags.Add(cmd, key == "iterations" ? "stages.*.iterations" : "stages.*.timesteps." + key, option);
        }
    }

    /// <summary>Each strategy option with its key under config.json's "timesteps" section, for `generate`'s overrides.</summary>
    public IEnumerable<(Option Option, string Key, Func<ParseResult, JsonNode?> Read)> ConfigKeys()
    {
        static (Option, string, Func<ParseResult, JsonNode?>) Key<T>(Option<T> o, string key) =>
            (o, key, p => JsonValue.Create(p.GetValue(o)));
        return
        [
            Key(Strategy, "strategy"), Key(Iterations, "iterations"), Key(TMin, "t_min"), Key(TMax, "t_max"), Key(TimePrior, "time_prior"),
            Key(M1, "m1"), Key(M2, "m2"), Key(S1, "s1"), Key(S2, "s2"), Key(Window, "window"), Key(SwitchIteration, "switch_iteration"),
            Key(StageTwoTMax, "stage_two_t_max"), Key(Seed, "seed"),
        ];
    }

    /// <summary>Reads and validates the options; the noise table comes from the options unless one is given.</summary>
    public (TimestepOptions Options, NoiseSchedule Schedule, int Iterations, long Seed) Read(ParseResult p, NoiseSchedule? schedule = null,
        long? seed = null)
    {
        schedule ??= new NoiseSchedule(p.GetValue(BetaSchedule)!, p.GetValue(TrainTimesteps), p.GetValue(BetaStart), p.GetValue(BetaEnd));
        var o = new TimestepOptions
        {
            Strategy = p.GetValue(Strategy)!,
            TMin = p.GetValue(TMin),
            TMax = p.GetValue(TMax),
            TimePrior = p.GetValue(TimePrior)!,
            M1 = p.GetValue(M1),
            M2 = p.GetValue(M2),
            S1 = p.GetValue(S1),
            S2 = p.GetValue(S2),
            Window = p.GetValue(Window),
            SwitchIteration = p.GetValue(SwitchIteration),
            StageTwoTMax = p.GetValue(StageTwoTMax),
        };
        int iterations = p.GetValue(Iterations);
        o.Validate(schedule.TrainTimesteps, iterations);
        return (o, schedule, iterations, seed ?? p.GetValue(Seed));
    }
}
