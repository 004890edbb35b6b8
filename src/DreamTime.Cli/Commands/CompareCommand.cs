using System.CommandLine;
using DreamTime.Diffusion;
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
        foreach (var o in new Option[] { prompts, strategies, seeds, iterations, resolution, evalEvery, threshold, outDir }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var strats = p.GetValue(strategies)!;
            int nSeeds = p.GetValue(seeds), n = p.GetValue(iterations), res = p.GetValue(resolution), every = p.GetValue(evalEvery);
            foreach (var s in strats) new TimestepOptions { Strategy = s }.Validate(1000);
            if (nSeeds < 1) throw new UserError($"--seeds {nSeeds}: must be at least 1");
            if (every < 1) throw new UserError($"--eval-every {every}: must be at least 1");
            var baseConfig = d with { Timesteps = d.Timesteps with { Iterations = n }, Height = res, Width = res, EvalEvery = every };
            baseConfig.Validate();
            baseConfig.Timesteps.Validate(1000);
            var list = p.GetValue(prompts)!;
            foreach (var prompt in list) Guidance.BuiltinPrior.PriorLibrary.Default.Select(prompt); // unknown prompts fail before any work
            var dir = p.GetValue(outDir)!;
            AtomicFile.EnsureWritableFolder(dir, "--out");
            var cmp = new StrategyComparison(baseConfig, p.GetValue(threshold), Console.Error);
            int total = list.Length * strats.Length * nSeeds, done = 0;
            foreach (var prompt in list)
            foreach (var s in strats)
            for (int seed = 0; seed < nSeeds; seed++)
            {
                Console.Error.WriteLine($"[{++done}/{total}]");
                cmp.RunOne(prompt, s, seed);
            }
            AtomicFile.WriteAllText(Path.Combine(dir, "results.csv"), cmp.Csv());
            var table = cmp.Table();
            AtomicFile.WriteAllText(Path.Combine(dir, "summary.md"), $"{n} iterations, {res}x{res}, seeds 0..{nSeeds - 1}\n\n" + table);
            cmp.WritePlot(Path.Combine(dir, "curves.png"));
            Console.WriteLine(table);
            foreach (var d in cmp.Diverged) Console.WriteLine($"diverged: {d}");
            return cmp.Diverged.Count > 0 ? GenerateCommand.DivergedExit : 0;
        });
        return cmd;
    }
}
