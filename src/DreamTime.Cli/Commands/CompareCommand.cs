using System.CommandLine;
using DreamTime.Diffusion;
using DreamTime.Guidance;
using DreamTime.Runtime;
using DreamTime.Training;

namespace DreamTime.Cli.Commands;

/// <summary>`dreamtime compare`: the paper's claims, measured against the built-in prior's ground truth.</summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var d = new TrainConfig();
        var cmd = new Command("compare", "Train the same prompts and seeds with several timestep strategies on the built-in prior and " +
            "print fidelity (PSNR, mask IoU to the nearest member), convergence (first iteration reaching a PSNR) and diversity (distinct members across seeds).");
        var prompts = new Option<string[]>("--prompts") { Description = "Prompts to train (built-in prior vocabulary).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => new[] { "a red mushroom", "a snowman", "a chair" } };
        var strategies = new Option<string[]>("--strategies") { Description = $"Strategies to compare ({string.Join(", ", TimestepOptions.StrategyNames)}).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => new[] { "tp-sds", "uniform" } };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per prompt and strategy (0..N-1).", DefaultValueFactory = _ => 3 };
        var iterations = new Option<int>("--iterations") { Description = "Iterations per run.", DefaultValueFactory = _ => 600 };
        var resolution = new Option<int>("--resolution") { Description = "Training render size (smaller than generate's default so that many runs fit in minutes).", DefaultValueFactory = _ => 32 };
        var evalEvery = new Option<int>("--eval-every") { Description = "Evaluate every K iterations (the curve's resolution).", DefaultValueFactory = _ => 50 };
        var threshold = new Option<double>("--psnr-threshold") { Description = "PSNR (dB) that counts as converged.", DefaultValueFactory = _ => 20.0 };
        var outDir = new Option<string>("--out") { Description = "Folder for results.csv, summary.md and curves.png.", DefaultValueFactory = _ => "runs/compare" };
        var temperature = new Option<string?>("--temperature-pixels") { Description = "The built-in prior's posterior temperature as an effective pixel count P (log-likelihoods multiplied by P/(H*W)); 'exact' = untempered. Default: the prior's default (64).", HelpName = "P|exact" };
        foreach (var o in new Option[] { prompts, strategies, seeds, iterations, resolution, evalEvery, threshold, temperature, outDir }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var strats = p.GetValue(strategies)!;
            var list = p.GetValue(prompts)!;
            int nSeeds = p.GetValue(seeds), n = p.GetValue(iterations), res = p.GetValue(resolution), every = p.GetValue(evalEvery);
            if (nSeeds < 1) throw new UserError($"--seeds {nSeeds}: must be at least 1");
            var baseConfig = d with
            {
                Timesteps = d.Timesteps with { Iterations = n }, Height = res, Width = res, EvalEvery = every,
                Guidance = p.GetValue(temperature) is string tp ? ((BuiltinPriorSettings)d.Guidance) with { TemperaturePixels = ParseTemperature(tp) } : d.Guidance,
            };
            var cmp = new StrategyComparison(baseConfig, p.GetValue(threshold), new ProgressObserver(p.InvocationConfiguration.Error));
            cmp.Validate(list, strats);
            var dir = p.GetValue(outDir)!;
            AtomicFile.EnsureWritableFolder(dir, "--out");
            cmp.RunAll(list, strats, nSeeds);
            var temperatureNote = ((BuiltinPriorSettings)baseConfig.Guidance).TemperaturePixels is double k ? $"temperature pixels {k}" : "untempered posterior";
            cmp.WriteOutputs(dir, $"{n} iterations, {res}x{res}, seeds 0..{nSeeds - 1}, built-in prior with {temperatureNote}");
            Console.WriteLine(cmp.Table());
            foreach (var x in cmp.Diverged) Console.WriteLine($"diverged: {x}");
            return cmp.Diverged.Count > 0 ? GenerateCommand.DivergedExit : 0;
        });
        return cmd;
    }

    private static double? ParseTemperature(string s) => GenerateCommand.ParseTemperature(s);
}
