using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using DreamTime.Diffusion;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Imaging;
using DreamTime.LearnedPrior;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Training;
using DreamTime.Scenes;
using DreamTime.Studies.Entropy;
using DreamTime.Studies.Hints;
using DreamTime.Studies.PriorCheck;
using DreamTime.Guidance;

namespace DreamTime.Cli.Commands;

/// <summary>`dreamtime prior`: inspect the built-in prior (families, renders of members, posterior entropy against t).</summary>
public static class PriorCommand
{
    public static Command Create()
    {
        var cmd = new Command("prior", "Inspect the built-in prior: procedural scene families with a closed-form diffusion denoiser, the posterior mean over their members (no downloaded weights).");
        cmd.Subcommands.Add(List());
        cmd.Subcommands.Add(Render());
        cmd.Subcommands.Add(Entropy());
        cmd.Subcommands.Add(Bench());
        cmd.Subcommands.Add(Train());
        cmd.Subcommands.Add(Export());
        cmd.Subcommands.Add(Check());
        cmd.Subcommands.Add(Hints());
        return cmd;
    }

    private static Command Export()
    {
        var run = new Option<string>("--run") { Description = "A `prior train` folder (finished or not): its last checkpoint's EMA weights are exported.", Required = true, HelpName = "DIR" };
        var outDir = new Option<string>("--out") { Description = "The model folder to write (diffusers layout, no vae/).", Required = true, HelpName = "DIR" };
        var dtype = new Option<string?>("--dtype") { Description = "Weights as float16 (half the size, loads as float32) or float32; default: the training's model_dtype.", HelpName = "float16|float32" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace --out if it exists." };
        var cmd = new Command("export", "Write the EMA model of a learned-prior training folder's last checkpoint as a diffusers folder, with its training config.");
        foreach (var o in new Option[] { run, outDir, dtype, overwrite }) cmd.Options.Add(o);
        KeyFlags.Add(cmd, "model_dtype", dtype);
        cmd.SetAction(p =>
        {
            LearnedPriorTraining.Export(p.GetValue(run)!, p.GetValue(outDir)!, p.GetValue(overwrite), p.GetValue(dtype), new ProgressObserver(p.InvocationConfiguration.Error));
            return 0;
        });
        return cmd;
    }

    private static Command Check()
    {
        var model = new Option<string?>("--model") { Description = "The learned prior to check (default: the shipped one).", HelpName = "DIR" };
        var seeds = new Option<int>("--seeds") { Description = "Samples per family (seeds --first-seed .. --first-seed + N - 1).", DefaultValueFactory = _ => SampleCheck.DefaultSeeds };
        var firstSeed = new Option<int>("--first-seed") { Description = "The first seed: choose sampler settings on one range of seeds, measure them on another.", DefaultValueFactory = _ => 0 };
        var steps = new Option<int>("--steps") { Description = "Sampler steps per sample.", DefaultValueFactory = _ => SampleCheck.DefaultSteps };
        var scheduler = new Option<string?>("--scheduler") { Description = "Sampler: ddpm (ancestral) or ddim (deterministic, eta 0); default: the model's scheduler (DDPM for trained priors).", HelpName = "ddpm|ddim" };
        var guidance = new Option<double>("--guidance-scale") { Description = "Classifier-free guidance scale of the sampler.", DefaultValueFactory = _ => SampleCheck.DefaultGuidance };
        var outPath = new Option<string?>("--out") { Description = "PNG grid: one row per family, its samples then each sample's nearest member render.", HelpName = "FILE" };
        var ceiling = new Option<int>("--ceiling-renders") { Description = "Also run the matching on this many real front-view training renders per family and print their rate: " +
            "the most any model can score (0: skip).", DefaultValueFactory = _ => SampleCheck.DefaultCeilingRenders };
        var cmd = new Command("check", "Show that a learned prior learned the families: sample \"a NOUN, front view\" for every family over several seeds and " +
            "count the samples whose nearest member render (PSNR against every member of every family, rendered from a grid of front views) belongs to the prompt's family.");
        var textUse = new Option<int>("--text-use-renders") { Description = "Also measure how much the model uses its captions: x0 predicted from this many fresh captioned renders noised at t = " +
            string.Join(", ", SampleCheck.TextUseTimesteps) + ", with their captions and with the empty caption, as PSNR (0: skip).", DefaultValueFactory = _ => SampleCheck.DefaultTextUseRenders };
        foreach (var o in new Option[] { model, seeds, firstSeed, steps, scheduler, guidance, outPath, ceiling, textUse }) cmd.Options.Add(o);
        KeyFlags.Add(cmd, "sampler", scheduler);
        cmd.SetAction(p =>
        {
            var folder = p.GetValue(model) ?? ShippedModel.Folder;
            int ceilingRenders = p.GetValue(ceiling);
            if (ceilingRenders < 0 || ceilingRenders > 1000) throw new UserError($"--ceiling-renders {ceilingRenders}: must be between 0 and 1000");
            int textRenders = p.GetValue(textUse);
            if (textRenders < 0 || textRenders > 4096) throw new UserError($"--text-use-renders {textRenders}: must be between 0 and 4096");
            if (p.GetValue(outPath) is string png) AtomicFile.EnsureWritableFile(png, "--out");
            var log = new ProgressObserver(p.InvocationConfiguration.Error).Log;
            var result = SampleCheck.Run(folder, p.GetValue(seeds), p.GetValue(steps), p.GetValue(guidance), log: log, sampler: p.GetValue(scheduler), firstSeed: p.GetValue(firstSeed));
            var o = p.InvocationConfiguration.Output;
            o.WriteLine("| family | prompt | nearest member in the family | nearest members' families |");
            o.WriteLine("|---|---|---|---|");
            foreach (var g in result.Rows.GroupBy(r => r.Family))
                o.WriteLine($"| {g.Key} | {g.First().Prompt} | {g.Count(r => r.Correct)}/{g.Count()} | {string.Join(", ", g.Select(r => r.NearestFamily))} |");
            o.WriteLine(FormattableString.Invariant($"nearest member in the prompt's family: {result.Rows.Count(r => r.Correct)}/{result.Rows.Count} = {100 * result.Rate:F1}% (chance {100.0 / PriorLibrary.Default.Families.Count:F1}%)"));
            if (ceilingRenders > 0)
            {
                var real = SampleCheck.RunOnRenders(ceilingRenders, result.Size, log: log);
                o.WriteLine(FormattableString.Invariant($"the same matching on real front-view training renders (the check's ceiling): {real.Rows.Count(r => r.Correct)}/{real.Rows.Count} = {100 * real.Rate:F1}%"));
            }
            if (textRenders > 0)
            {
                using var pipe = Models.Diffusers.StableDiffusionPipeline.Load(folder);
                o.WriteLine();
                o.WriteLine($"| t | x0 PSNR with the captions (dB) | with the empty caption (dB) | gain (dB) |   ({textRenders} fresh training renders)");
                o.WriteLine("|---|---|---|---|");
                foreach (var r in SampleCheck.TextUse(pipe, textRenders))
                    o.WriteLine(FormattableString.Invariant($"| {r.T} | {r.PsnrWithCaption:F2} | {r.PsnrWithoutCaption:F2} | {r.Gain:+0.00;-0.00} |"));
            }
            if (p.GetValue(outPath) is string path)
            {
                var tmp = path + ".tmp.png";
                ImageIO.SavePng(tmp, result.Grid);
                File.Move(tmp, path, overwrite: true);
                o.WriteLine($"grid: {path}");
            }
            return 0;
        });
        return cmd;
    }

    private static Command Train()
    {
        var d = new LearnedPriorConfig();
        var cmd = new Command("train", "Train a small text-conditioned diffusion model in pixel space on captioned renders of the families (a learned prior), " +
            "and write it as a diffusers folder (OUT/model) that `sample --model` loads, with a loss curve, a sample grid and config.json.");
        var outDir = new Option<string?>("--out") { Description = "Training folder for every output (model/, checkpoints/, metrics.jsonl, loss.png, samples.png, config.json); required unless --resume.", HelpName = "DIR" };
        var steps = new Option<int>("--steps") { Description = "Training steps (with --resume: the new total; the cosine schedule is recomputed for it).", DefaultValueFactory = _ => d.Steps };
        var batch = new Option<int>("--batch-size") { Description = "Captioned renders per step.", DefaultValueFactory = _ => d.BatchSize };
        var lr = new Option<double>("--lr") { Description = "Peak AdamW learning rate (after a linear warm-up, then cosine decay).", DefaultValueFactory = _ => d.LearningRate };
        var channels = new Option<string>("--channels") { Description = "UNet block widths from the top level down, comma-separated (multiples of 8); cross-attention in every level below the top.", DefaultValueFactory = _ => string.Join(",", d.Channels), HelpName = "C1,C2,..." };
        var seed = new Option<int>("--seed") { Description = "Seed of the weights' initialisation, the data stream and the noise (each step's batch depends only on seed and step).", DefaultValueFactory = _ => d.Seed };
        var ckpt = new Option<int>("--checkpoint-every") { Description = "Write a checkpoint (weights, EMA, optimizer, step) every K steps; also at the end and on Ctrl-C.", DefaultValueFactory = _ => d.CheckpointEvery };
        var resume = new Option<string?>("--resume") { Description = "Continue the training in this folder from its last checkpoint; its config.json decides every setting but --steps and --device.", HelpName = "DIR" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the --out folder if it exists (otherwise an existing folder is refused)." };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => d.Device };
        var init = new Option<string?>("--init") { Description = "Start from this learned-prior model's weights (e.g. the shipped one) with a fresh optimizer and schedule; its architecture switches (add_text_embedding) follow the model; give another --seed to draw new data.", HelpName = "MODEL" };
        var offset = new Option<double>("--offset-noise") { Description = "Offset noise: add this times one normal draw per image and channel to the training noise, " +
            "so the model learns the noise's mean colour (against tinted sample backgrounds); 0: none.", DefaultValueFactory = _ => d.OffsetNoise };
        foreach (var o in new Option[] { outDir, steps, batch, lr, channels, seed, ckpt, resume, overwrite, device, init, offset }) cmd.Options.Add(o);
        KeyFlags.Add(cmd, "learning_rate", lr);
        KeyFlags.Add(cmd, "init_model", init);
        cmd.SetAction(p =>
        {
            var err = p.InvocationConfiguration.Error;
            var observer = new ProgressObserver(err);
            bool Given(Option o) => p.GetResult(o) is { Implicit: false };
            using var cancel = new CancellationTokenSource();
            using var signals = new StopSignals(cancel, Console.Error);
            try
            {
                LearnedPriorResult result;
                if (p.GetValue(resume) is string dir)
                {
                    var ignored = cmd.Options.Where(o => o != resume && o != steps && o != device && Given(o)).Select(o => o.Name).ToList();
                    if (ignored.Count > 0) throw new UserError($"--resume {dir}: the training's config.json decides every setting but --steps and --device; drop {string.Join(", ", ignored)}");
                    result = LearnedPriorTraining.Resume(dir, Given(steps) ? p.GetValue(steps) : null, Given(device) ? p.GetValue(device) : null, observer, cancel.Token);
                }
                else
                {
                    var dir2 = p.GetValue(outDir) ?? throw new UserError("prior train: give --out DIR for the outputs (or --resume DIR to continue a training)");
                    var config = d with
                    {
                        Steps = p.GetValue(steps), BatchSize = p.GetValue(batch), LearningRate = p.GetValue(lr),
                        Channels = LearnedPriorConfig.ParseChannels(p.GetValue(channels)!), Seed = p.GetValue(seed),
                        CheckpointEvery = p.GetValue(ckpt), Device = p.GetValue(device)!, OffsetNoise = p.GetValue(offset),
                        InitModel = p.GetValue(init) is string m ? Path.GetFullPath(m) : null,
                    };
                    if (config.InitModel is string initFolder) config = config.WithArchitectureOf(initFolder);
                    result = LearnedPriorTraining.Train(config, dir2, p.GetValue(overwrite), observer, cancel.Token);
                }
                if (!result.Completed) return GenerateCommand.InterruptedExit;
                p.InvocationConfiguration.Output.WriteLine($"done: {result.Folder.Model}");
                return 0;
            }
            catch (TrainingDivergedException e)
            {
                err.WriteLine($"error: {e.Message}");
                return GenerateCommand.DivergedExit;
            }
        });
        return cmd;
    }

    private static Option<int> MembersPerFamily() => new("--members-per-family") { Description = $"Members K of each family (1-256).", DefaultValueFactory = _ => PriorLibrary.DefaultMembersPerFamily };
    private static Option<int> FamilySeed() => new("--family-seed") { Description = "Seed of the family generators (members are fixed for a fixed seed).", DefaultValueFactory = _ => PriorLibrary.DefaultSeed };

    private static Command List()
    {
        var cmd = new Command("list", "Print the families, their attributes (the words a prompt can use) and member counts.");
        var k = MembersPerFamily(); var seed = FamilySeed();
        cmd.Options.Add(k); cmd.Options.Add(seed);
        cmd.SetAction(p =>
        {
            var output = p.InvocationConfiguration.Output;
            var lib = new PriorLibrary(p.GetValue(k), p.GetValue(seed));
            foreach (var f in lib.Families)
            {
                output.WriteLine($"{f.Name} ({f.Members.Count} members; nouns: {string.Join(", ", f.Nouns)})");
                foreach (var s in f.Slots)
                {
                    var values = s.Values.Select(v => $"{v.Value} [{string.Join(", ", v.Phrases.Select(ph => $"\"{ph}\""))}] x{f.Members.Count(m => m.Attributes[s.Name] == v.Value)}");
                    output.WriteLine($"  {s.Name}: {string.Join("; ", values)}");
                }
            }
            output.WriteLine($"{lib.Members.Count} members in all; the empty prompt selects all of them.");
            return 0;
        });
        return cmd;
    }

    private static Command Render()
    {
        var cmd = new Command("render", "Render the first members a prompt selects (rows) from evenly spaced views (columns) into one PNG grid; " +
            "with --member, one member from one camera as an image-to-3D input picture (RGBA: the object's coverage is its alpha).");
        var prompt = new Argument<string>("prompt") { Description = "Prompt such as \"a red mushroom\"; \"\" selects every family." };
        var outPath = new Option<string>("--out") { Description = "PNG file to write.", Required = true };
        var views = new Option<int>("--views") { Description = "Number of views (columns), at evenly spaced azimuths.", DefaultValueFactory = _ => 4 };
        var members = new Option<int>("--members") { Description = "Number of members (rows), the first ones the prompt selects.", DefaultValueFactory = _ => 4 };
        var size = new Option<int>("--size") { Description = "Side of each rendered view in pixels.", DefaultValueFactory = _ => 128 };
        var elevation = new Option<double>("--elevation") { Description = "Camera elevation in degrees.", DefaultValueFactory = _ => 20 };
        var supersample = new Option<int>("--supersample") { Description = "Rays per pixel side (1 or more; 2 = 2x2 anti-aliasing).", DefaultValueFactory = _ => 2 };
        var member = new Option<int?>("--member") { Description = "Write one input picture instead of the grid: the prompt's N-th member (1 = first), seen from --elevation and --azimuth at the middle of the training cameras' distance and field of view; `generate --image FILE --image-elevation E --image-azimuth A` turns it into 3D.", HelpName = "N" };
        var azimuth = new Option<double>("--azimuth") { Description = "With --member: camera azimuth in degrees (0 = the front).", DefaultValueFactory = _ => 0 };
        var k = MembersPerFamily(); var seed = FamilySeed();
        cmd.Arguments.Add(prompt);
        foreach (var o in new Option[] { outPath, views, members, size, elevation, supersample, member, azimuth, k, seed }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var output = p.InvocationConfiguration.Output;
            int nViews = p.GetValue(views), nMembers = p.GetValue(members), px = p.GetValue(size), ss = p.GetValue(supersample);
            if (nViews < 1 || nViews > 64) throw new UserError($"--views {nViews}: must be between 1 and 64");
            if (nMembers < 1 || nMembers > 256) throw new UserError($"--members {nMembers}: must be between 1 and 256");
            CheckSize(px);
            CheckSupersample(ss);
            string file = p.GetValue(outPath)!;
            AtomicFile.EnsureWritableFile(file, "--out");
            var lib = new PriorLibrary(p.GetValue(k), p.GetValue(seed));
            var selection = lib.Select(p.GetValue(prompt) ?? "");
            if (p.GetValue(member) is int n)
            {
                if (n < 1 || n > selection.Members.Count) throw new UserError($"--member {n}: {selection.Describe()} has members 1 to {selection.Members.Count}");
                double el = p.GetValue(elevation), az = p.GetValue(azimuth);
                if (!(el >= -90 && el <= 90)) throw new UserError($"--elevation {el}: must be within [-90, 90] degrees");
                var m = selection.Members[n - 1];
                var picture = new SdfRenderer { Supersample = ss }.Render(m.Scene, new CameraRanges().MidCamera(el, az), px, px);
                ImageIO.SavePngWithAlpha(file, new RgbImage(px, px, picture.Rgb), picture.Mask);
                output.WriteLine(FormattableString.Invariant($"{m.Name}: wrote {file} ({px}x{px}, elevation {el}, azimuth {az})"));
                output.WriteLine(FormattableString.Invariant($"  to 3D: ./dreamtime generate --image {file} --image-elevation {el} --image-azimuth {az}"));
                return 0;
            }
            var chosen = selection.Members.Take(nMembers).ToList();
            var cams = new CameraRanges().Ring(nViews, p.GetValue(elevation));
            var renderer = new SdfRenderer { Supersample = ss };
            var perView = cams.Select(c => renderer.Render(chosen.Select(m => m.Scene).ToList(), c, px, px)).ToList();
            var tiles = new List<RgbImage>();
            foreach (var (_, mi) in chosen.Select((m, i) => (m, i)))
                foreach (var view in perView) tiles.Add(new RgbImage(px, px, view[mi].Rgb));
            ImageIO.SavePng(file, ImageIO.Grid(tiles, nViews));
            output.WriteLine($"{selection.Describe()}: wrote {chosen.Count} x {nViews} views to {file}");
            foreach (var m in chosen) output.WriteLine($"  {m.Name}");
            return 0;
        });
        return cmd;
    }

    private static Command Bench()
    {
        var cmd = new Command("bench", "Time the analytic renderer: all members of each family (and of all families) for one camera.");
        var size = new Option<int>("--size") { Description = "Render side in pixels.", DefaultValueFactory = _ => 64 };
        var supersample = new Option<int>("--supersample") { Description = "Rays per pixel side.", DefaultValueFactory = _ => BuiltinPriorOptions.DefaultSupersample };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions (at different cameras); the median is printed.", DefaultValueFactory = _ => 5 };
        var k = MembersPerFamily(); var seed = FamilySeed();
        foreach (var o in new Option[] { size, supersample, repeats, k, seed }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var output = p.InvocationConfiguration.Output;
            int px = CheckSize(p.GetValue(size)), n = Math.Max(1, p.GetValue(repeats));
            CheckSupersample(p.GetValue(supersample));
            var lib = new PriorLibrary(p.GetValue(k), p.GetValue(seed));
            var renderer = new SdfRenderer { Supersample = p.GetValue(supersample) };
            var sampler = new CameraSampler(new CameraRanges(), 1);
            // Wall time depends on what else runs on the machine; process CPU time does not (much).
            void Print(string name, IReadOnlyList<FamilyMember> members)
            {
                var scenes = members.Select(m => m.Scene).ToList();
                renderer.Render(scenes, sampler.ForStep(0), px, px); // warm-up
                var runs = Enumerable.Range(1, n).Select(i =>
                {
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    var sw = Stopwatch.StartNew();
                    renderer.Render(scenes, sampler.ForStep(i), px, px);
                    return (Wall: sw.Elapsed.TotalMilliseconds, Cpu: (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds);
                }).ToList();
                double wall = runs.Select(r => r.Wall).OrderBy(x => x).ElementAt(n / 2), cpuMs = runs.Select(r => r.Cpu).OrderBy(x => x).ElementAt(n / 2);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-10} {members.Count,3} members  wall {wall,7:F1} ms  cpu {cpuMs,7:F1} ms"));
            }
            output.WriteLine($"{px}x{px}, supersample {renderer.Supersample}, {Environment.ProcessorCount} cores, median of {n}; machine load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            foreach (var f in lib.Families) Print(f.Name, f.Members);
            Print("all", lib.Members);

            return 0;
        });
        return cmd;
    }

    private static Command Entropy()
    {
        var cmd = new Command("entropy", "Measure the coarse-to-fine property: mean posterior entropy H(w) over the prompt's members against t, for member renders at random cameras noised at t.");
        var prompt = new Argument<string>("prompt") { Description = "Prompt whose members form the data set (\"\" = all families)." };
        var size = new Option<int>("--size") { Description = "Render side in pixels (the guidance resolution).", DefaultValueFactory = _ => 64 };
        var cameras = new Option<int>("--cameras") { Description = "Random training cameras to average over.", DefaultValueFactory = _ => 4 };
        var samples = new Option<int>("--samples") { Description = "Members (x_0) drawn per camera.", DefaultValueFactory = _ => 8 };
        var kernel = new Option<double>("--temperature-pixels") { Description = "Posterior temperature as an effective pixel count P: log-likelihoods are multiplied by P/(size*size) (0 = untempered, the exact posterior at the render size).", DefaultValueFactory = _ => BuiltinPriorOptions.DefaultTemperaturePixels };
        var supersample = new Option<int>("--supersample") { Description = "Rays per pixel side.", DefaultValueFactory = _ => BuiltinPriorOptions.DefaultSupersample };
        var k = MembersPerFamily(); var seed = FamilySeed();
        cmd.Arguments.Add(prompt);
        foreach (var o in new Option[] { size, cameras, samples, kernel, supersample, k, seed }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var output = p.InvocationConfiguration.Output;
            CheckSize(p.GetValue(size));
            CheckSupersample(p.GetValue(supersample));
            var lib = new PriorLibrary(p.GetValue(k), p.GetValue(seed));
            var selection = lib.Select(p.GetValue(prompt) ?? "");
            var kp = p.GetValue(kernel);
            var table = PosteriorEntropy.Measure(selection.Members, NoiseSchedule.StableDiffusion, p.GetValue(size), p.GetValue(cameras), p.GetValue(samples),
                kp > 0 ? kp : null, new SdfRenderer { Supersample = p.GetValue(supersample) }, seed: 0);
            output.WriteLine($"{selection.Describe()}, {p.GetValue(size)}px, temperature pixels {(kp > 0 ? kp.ToString(CultureInfo.InvariantCulture) : "exact")}; max entropy ln K = {Math.Log(selection.Members.Count):F3}");
            output.WriteLine("t,alpha_bar,mean_entropy,mean_top_weight,top_is_true_member");
            foreach (var row in table)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{row.T},{row.AlphaBar:F5},{row.MeanEntropy:F4},{row.MeanTopWeight:F4},{row.TopIsTrue:F3}"));
            return 0;
        });
        return cmd;
    }

    private static Command Hints()
    {
        var cmd = new Command("hints", "Is a small-t step a coarse hint? Member renders of the prompt, low-pass filtered (what an early NeRF looks like), are noised at t and " +
            "denoised once by the built-in prior (posterior mean over the members) and once by a learned prior; prints the PSNR of the input and of each x0_hat against the clean member.");
        var prompt = new Argument<string>("prompt") { Description = "Prompt whose members are rendered (built-in prior vocabulary)." };
        var model = new Option<string?>("--model") { Description = "The learned prior (default: the shipped one); renders are made at its resolution.", HelpName = "DIR" };
        var cameras = new Option<int>("--cameras") { Description = "Random training cameras to average over (every member from each).", DefaultValueFactory = _ => 4 };
        var blur = new Option<int>("--blur") { Description = "Degradation: average-pool by this factor and upsample back (1 = clean renders).", DefaultValueFactory = _ => 4 };
        var guidance = new Option<double>("--guidance-scale") { Description = "The learned prior's classifier-free guidance scale.", DefaultValueFactory = _ => Guidance.LearnedPriorSettings.DefaultGuidanceScale };
        var temperature = new Option<string>("--temperature-pixels") { Description = "The built-in prior's temperature as an effective pixel count P, or 'exact'.",
            DefaultValueFactory = _ => BuiltinPriorOptions.DefaultTemperaturePixels.ToString(CultureInfo.InvariantCulture), HelpName = "P|exact" };
        var seed = new Option<int>("--seed") { Description = "Seed of the cameras and the noise.", DefaultValueFactory = _ => 0 };
        cmd.Arguments.Add(prompt);
        foreach (var o in new Option[] { model, cameras, blur, guidance, temperature, seed }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var selection = PriorLibrary.Default.Select(p.GetValue(prompt) ?? "");
            if (selection.Family is null) throw new UserError($"prompt \"{selection.Prompt}\": names no family; hints need one family's members");
            double g = p.GetValue(guidance);
            new Guidance.LearnedPriorSettings { GuidanceScale = g }.Validate();
            double? kp = GenerateCommand.ParseTemperature(p.GetValue(temperature)!);
            using var pipe = Models.Diffusers.StableDiffusionPipeline.Load(p.GetValue(model) ?? ShippedModel.Folder, TorchSharp.torch.CPU);
            if (!pipe.IsPixelSpace) throw new UserError($"--model {p.GetValue(model)}: has a vae/; hints need a pixel-space learned prior");
            int size = pipe.DefaultResolution;
            double sharpness = kp is double k ? k / (size * size) : 1.0;
            var rows = Studies.Hints.DenoiserHints.Measure([Studies.Hints.DenoiserHints.Exact(sharpness), Studies.Hints.DenoiserHints.Learned(pipe, selection.Prompt, g)],
                selection.Members, pipe.Schedule, size, p.GetValue(cameras), p.GetValue(blur), p.GetValue(seed));
            var o = p.InvocationConfiguration.Output;
            o.WriteLine(FormattableString.Invariant($"{selection.Describe()}, {size}px, blur {p.GetValue(blur)}, {p.GetValue(cameras)} cameras; built-in prior temperature pixels {(kp is double kk ? kk.ToString(CultureInfo.InvariantCulture) : "exact")}; learned prior guidance {g}"));
            o.WriteLine("t,alpha_bar,input_psnr,builtin_x0_psnr,learned_x0_psnr");
            foreach (var r in rows)
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r.T},{r.AlphaBar:F5},{r.InputPsnr:F2},{r.HintPsnr[0]:F2},{r.HintPsnr[1]:F2}"));
            return 0;
        });
        return cmd;
    }

    private static int CheckSize(int px) =>
        px is >= 8 and <= 1024 ? px : throw new UserError($"--size {px}: must be between 8 and 1024");

    private static int CheckSupersample(int ss) =>
        ss is >= 1 and <= 8 ? ss : throw new UserError($"--supersample {ss}: must be between 1 and 8");
}
