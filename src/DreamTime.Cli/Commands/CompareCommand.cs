using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using DreamTime.Configuration;
using DreamTime.Diffusion;
using DreamTime.Guidance;
using DreamTime.Runtime;
using DreamTime.Studies.Comparison;
using DreamTime.Training;

namespace DreamTime.Cli.Commands;

/// <summary>
/// `dreamtime compare`: the paper's claims, measured against the built-in families' ground truth on either prior.
/// The base configuration is built as `generate` builds its own (<see cref="ConfigOptionSet"/>): compare's defaults
/// or --config FILE, then the options given, then --set KEY=VALUE.
/// </summary>
public static class CompareCommand
{
    public static Command Create()
    {
        var cmd = new Command("compare", "Train the same prompts and seeds with several timestep strategies on the built-in or the " +
                                         "learned prior and print fidelity (PSNR, mask IoU to the nearest member the prompt names), " +
                                         "convergence (first iteration reaching each PSNR), attributes, diversity (distinct members, " +
                                         "PSNR between seeds) and view consistency (PSNR against the member's opposite side minus its " +
                                         "own side). Every finished run is kept in --out: running the same command again continues an " +
                                         "interrupted study. The runs' configuration can be given with --config FILE and changed with " +
                                         "--set KEY=VALUE; --iterations, --resolution, --eval-every and the prior's options are " +
                                         "shortcuts for their keys.");
        var prompts = new Option<string[]>("--prompts")
        {
            Description = "Prompts to train (built-in prior vocabulary).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => new[] { "a red mushroom", "a snowman", "a chair" },
        };
        var strategies = new Option<string[]>("--strategies")
        {
            Description = $"Strategies to compare ({string.Join(", ", TimestepOptions.StrategyNames)}).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => new[] { "tp-sds", "uniform" },
        };
        var seeds = new Option<int>("--seeds")
        {
            Description = "Seeds per prompt and strategy (--first-seed .. --first-seed + N - 1), trained seed by seed.",
            DefaultValueFactory = _ => 3,
        };
        var firstSeed = new Option<int>("--first-seed")
        {
            Description = "The first seed; two processes can share one --out by splitting the seeds (e.g. --seeds 3, and --first-seed " +
                          "3 --seeds 3).",
            DefaultValueFactory = _ => 0,
        };
        var iterations = new Option<int>("--iterations") { Description = "Iterations per run.", DefaultValueFactory = _ => 600 };
        var resolution = new Option<int>("--resolution")
        {
            Description = "Training render size (smaller than generate's default so that many runs fit in minutes).",
            DefaultValueFactory = _ => 32,
        };
        var evalEvery = new Option<int>("--eval-every")
        {
            Description = "Evaluate every K iterations (the curve's resolution).",
            DefaultValueFactory = _ => 50,
        };
        var thresholds = new Option<double[]>("--psnr-thresholds")
        {
            Description = "PSNRs (dB) that count as converged; the table gives the first iteration reaching each.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => new[] { 20.0, 25.0 },
        };
        var outDir = new Option<string>("--out")
        {
            Description = "Study folder: study.json (the settings), runs/ (each finished run and its evaluation views), results.csv, " +
                          "summary.md, curves.png.",
            DefaultValueFactory = _ => "runs/compare",
        };
        var overwrite = new Option<bool>("--overwrite")
        {
            Description = "Start the study in --out afresh, deleting the runs it holds (without it, a study with the same settings " +
                          "continues and one with other settings is refused).",
        };
        var prior = new Option<string>("--prior")
        {
            Description = "builtin (closed-form posterior over the members) or learned (the small diffusion model trained on the same " +
                          "families).",
            DefaultValueFactory = _ => "builtin",
            HelpName = "builtin|learned",
        };
        var model = new Option<string?>("--model")
        {
            Description = "A learned-prior folder (from `prior train`) instead of the shipped one; implies --prior learned.",
            HelpName = "DIR",
        };
        var temperature = new Option<string?>("--temperature-pixels")
        {
            Description = "The built-in prior's posterior temperature as an effective pixel count P (log-likelihoods multiplied by " +
                          "P/(H*W)); 'exact' = untempered. Default: the prior's default (64).",
            HelpName = "P|exact",
        };
        var scale = new Option<double?>("--guidance-scale")
        {
            Description = "Classifier-free guidance scale of every run (default: the prior's own, " +
                          $"{LearnedPriorSettings.DefaultGuidanceScale} for the learned prior, " +
                          $"{Guidance.BuiltinPrior.BuiltinPriorOptions.DefaultGuidanceScale} for the built-in one).",
        };
        var images = new Option<string[]>("--images")
        {
            Description = "Image-to-3D instead of prompts: input pictures (e.g. from `prior render --member`) trained with the " +
                          "built-in image prior and scored against the member each shows.",
            AllowMultipleArgumentsPerToken = true,
            HelpName = "FILE",
        };
        var imageElevation = new Option<double>("--image-elevation")
        {
            Description = "With --images: elevation of the camera that took every picture, in degrees.",
            DefaultValueFactory = _ => 0,
        };
        var imageAzimuth = new Option<double>("--image-azimuth")
        {
            Description = "With --images: azimuth of that camera, in degrees.",
            DefaultValueFactory = _ => 0,
        };
        var timePrior = TimestepOptionSet.NewTimePrior();
        var pipeline = new Option<string?>("--pipeline")
        {
            Description = $"Pipeline preset of every run (the strategy applies to each of its stages): {Pipelines.Describe()}. " +
                          "Default: dreamfusion (the NeRF alone).",
            HelpName = string.Join("|", Pipelines.Names),
        };
        timePrior.Description += " Here: the tp-sds runs' weight; an ablation needs its own --out (its runs keep the name tp-sds).";
        foreach (var o in new Option[]
                 {
                     prompts, strategies, seeds, firstSeed, iterations, resolution, evalEvery, thresholds, timePrior, pipeline, prior,
                     model,
                     temperature, scale, images, imageElevation, imageAzimuth, outDir, overwrite,
                 })
            cmd.Options.Add(o);
        // the config keys the options set, for errors about them (the guidance alone is validated with its own keys)
        var keys = new (string, Option)[]
        {
            ("stages.*.iterations", iterations), ("stages.*.timesteps.strategy", strategies),
            ("stages.*.timesteps.time_prior", timePrior), ("stages.*.height", resolution), ("stages.*.width", resolution),
            ("eval_every", evalEvery), ("guidance.model", model),
            ("guidance.temperature_pixels", temperature), ("guidance.guidance_scale", scale),
            ("reference.elevation_deg", imageElevation), ("reference.azimuth_deg", imageAzimuth), ("reference.image", images),
        };
        foreach (var (key, option) in keys) KeyFlags.Add(cmd, key, option);
        var configOptions = new ConfigOptionSet(cmd);

        static IEnumerable<(string, JsonNode?)> One<T>(string path, T value) => ConfigShortcut.One(path, value);
        // compare's own defaults for these keys (without --config), and shortcuts for them when given
        var sized = new List<ConfigShortcut>
        {
            new(iterations, p => One("stages.*.iterations", p.GetValue(iterations))),
            new(resolution, p =>
                [("stages.*.height", JsonValue.Create(p.GetValue(resolution))),
                 ("stages.*.width", JsonValue.Create(p.GetValue(resolution)))]),
            new(evalEvery, p => One("eval_every", p.GetValue(evalEvery))),
        };
        // Type switches come first: they reset their section to the new component's defaults.
        var shortcuts = new List<ConfigShortcut>
        {
            new(pipeline, p => One("pipeline", p.GetValue(pipeline))),
            new(prior, p => One("guidance.type", GenerateCommand.ParsePrior(p.GetValue(prior)!))),
            new(model, p =>
            [
                ("guidance.type", JsonValue.Create("learned")),
                ("guidance.model", JsonValue.Create(Path.GetFullPath(p.GetValue(model)!))),
            ]),
            new(images, p =>
            [
                ("guidance.type", JsonValue.Create("builtin-image")),
                ("reference", JsonSerializer.SerializeToNode(new ReferenceSettings
                {
                    Image = Path.GetFullPath(p.GetValue(images)![0]),
                    ElevationDeg = p.GetValue(imageElevation),
                    AzimuthDeg = p.GetValue(imageAzimuth),
                }, TrainConfig.Json)),
            ]),
            new(temperature, p => One("guidance.temperature_pixels", GenerateCommand.ParseTemperature(p.GetValue(temperature)!))),
            new(scale, p => One("guidance.guidance_scale", p.GetValue(scale))),
            new(timePrior, p => One("stages.*.timesteps.time_prior", p.GetValue(timePrior))),
        };
        shortcuts.AddRange(sized);

        cmd.SetAction(p =>
        {
            bool Given(Option o) => p.GetResult(o) is { Implicit: false };
            var strats = p.GetValue(strategies)!;
            var list = p.GetValue(prompts)!;
            int nSeeds = p.GetValue(seeds);
            int first = p.GetValue(firstSeed);
            var psnrs = p.GetValue(thresholds)!;
            if (psnrs.Length == 0 || psnrs.Any(t => !double.IsFinite(t))) throw new UserError("--psnr-thresholds: give one or more " +
                                                                                              "finite PSNRs in dB, e.g. 20 25");
            bool learnedGiven = GenerateCommand.ParsePrior(p.GetValue(prior)!) == "learned" || p.GetValue(model) != null;
            var pictures = p.GetValue(images) ?? [];
            if (pictures.Length == 0 && (Given(imageElevation) || Given(imageAzimuth)))
                throw new UserError("--image-elevation/--image-azimuth: describe the pictures of --images; give --images FILE... with " +
                                    "them");
            if (pictures.Length > 0)
            {
                if (Given(prompts)) throw new UserError("--prompts: a study compares prompts or pictures (--images), not both");
                if (learnedGiven || Given(prior) || p.GetValue(temperature) != null)
                    throw new UserError("--images: pictures are trained with the built-in image prior; drop --prior, --model and " +
                                        "--temperature-pixels");
                list = pictures.Select(Path.GetFullPath).ToArray();
            }
            if (learnedGiven && p.GetValue(temperature) != null)
                throw new UserError("--temperature-pixels: only the built-in prior has a posterior temperature; drop it with --prior " +
                                    "learned");

            JsonObject CompareDefaults()
            {
                // the strategy studies compare the NeRF stage (DreamFusion's pipeline); --pipeline compares another
                var tree = ConfigOverrides.Defaults();
                ConfigOverrides.Set(tree, "pipeline", JsonValue.Create("dreamfusion"), "compare");
                foreach (var s in sized)
                    foreach (var (path, value) in s.Keys(p))
                        ConfigOverrides.Set(tree, path, value, s.Option.Name);
                return tree;
            }
            var baseConfig = configOptions.Build(p, CompareDefaults, shortcuts);
            if (baseConfig.Reference != null && pictures.Length == 0)
                throw new UserError($"{p.GetValue(configOptions.Config) ?? "--set"}: the configuration has an input picture (reference); " +
                                    "give the pictures to compare with --images FILE...");
            UserError.InSection("guidance", baseConfig.Guidance.Validate);
            var dir = p.GetValue(outDir)!;
            var cmp = new StrategyComparison(baseConfig, psnrs, new ProgressObserver(p.InvocationConfiguration.Error), dir);
            cmp.Validate(list, strats, nSeeds, first);
            if (baseConfig.Guidance is LearnedPriorSettings learned)
                Models.Diffusers.StableDiffusionPipeline.Load(learned.ModelFolder, TorchSharp.torch.CPU).Dispose();
            if (p.GetValue(overwrite)) new RunFolder(dir).PrepareNew(overwrite: true);
            cmp.RunAll(list, strats, nSeeds, firstSeed: first);
            cmp.Report.WriteOutputs(dir, ComparisonHeading.Describe(baseConfig, first, nSeeds));
            var output = p.InvocationConfiguration.Output;
            output.WriteLine(cmp.Report.Table());
            foreach (var x in cmp.Diverged) output.WriteLine($"diverged: {x}");
            return cmp.Diverged.Count > 0 ? GenerateCommand.DivergedExit : 0;
        });
        return cmd;
    }
}
