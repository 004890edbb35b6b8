using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DreamTime.Configuration;
using DreamTime.Diffusion;
using DreamTime.Guidance;
using DreamTime.Models.Lora;
using DreamTime.Representations;
using DreamTime.Runtime;
using DreamTime.Training;

namespace DreamTime.Cli.Commands;

/// <summary>
/// `dreamtime generate PROMPT`: text-to-3D, the main job. The command builds a configuration (the defaults or
/// --config FILE, then the options given, then --set KEY=VALUE) and hands it to <see cref="GenerationRun"/>.
/// </summary>
public static class GenerateCommand
{
    public const int DivergedExit = 3, InterruptedExit = 130;

    public static Command Create()
    {
        var d = new TrainConfig();
        var stage = d.Stages[0];
        var nerf = (NerfSettings)stage.Representation;
        var builtin = (BuiltinPriorSettings)d.Guidance;
        var cmd = new Command("generate", "Turn a text prompt into a 3D asset by score distillation: by default the magic3d pipeline, a " +
                                          "NeRF, then its surface refined as a mesh and exported with a baked texture. Uses the " +
                                          "built-in prior (no downloads) unless --model points at a Stable Diffusion checkpoint in the " +
                                          "diffusers layout. Every setting of config.json can be given with --config FILE and changed " +
                                          "with --set KEY=VALUE; the options below are shortcuts for common keys.");
        var prompt = new Argument<string?>("prompt")
        {
            Description = "What to generate, e.g. \"a red mushroom\" (see `dreamtime prior list` for the built-in prior's vocabulary).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var ts = new TimestepOptionSet(cmd, includeNoiseTable: false);
        ts.Iterations.DefaultValueFactory = _ => stage.Iterations;
        ts.Iterations.Description = "Iterations of every stage (--set stages.N.iterations=K changes one stage). With --resume: a " +
                                    "larger count for the run's last stage.";
        var pipeline = new Option<string?>("--pipeline")
        {
            Description = $"Pipeline preset (its stages replace the configuration's): {Pipelines.Describe()}. " +
                          $"Default: {Pipelines.Default}.",
            HelpName = string.Join("|", Pipelines.Names),
        };
        var configOptions = new ConfigOptionSet(cmd);
        var outDir = new Option<string?>("--out")
        {
            Description = "Run folder for every output (default: runs/<prompt>-<strategy>-seed<N>).",
        };
        var overwrite = new Option<bool>("--overwrite")
        {
            Description = "Replace the run folder if it exists (otherwise an existing folder is refused).",
        };
        var resume = new Option<string?>("--resume")
        {
            Description = "Continue the run in this folder from its last checkpoint. Its config.json decides every setting, except " +
                          "--device and a larger --iterations (the schedule is then recomputed for the new total).",
            HelpName = "DIR",
        };
        var meshFile = new Option<string?>("--mesh")
        {
            Description = "Refine a mesh of your own (GLB or OBJ): the refine-mesh pipeline, a DMTet built from the file (centred and " +
                          "scaled to fit), refined by score distillation at 128x128.",
            HelpName = "FILE",
        };
        var guidance = new Option<string?>("--guidance")
        {
            Description = $"Guidance by name: {Components.Guidance.Describe()}. Default: builtin, or stable-diffusion with --model.",
        };
        var model = new Option<string?>("--model")
        {
            Description = "Stable Diffusion checkpoint folder (diffusers layout); selects the stable-diffusion guidance. With --image: " +
                          "a Zero-1-to-3 checkpoint (diffusers community layout), the zero123 guidance. With --prior learned: a " +
                          "learned-prior folder from `prior train` instead of the shipped one. With --guidance vsd (or --pipeline " +
                          "prolificdreamer): the diffusers folder VSD distils instead of the learned prior.",
            HelpName = "DIR",
        };
        var lora = SampleCommand.LoraOption();
        var particles = new Option<int>("--particles")
        {
            Description = "Train N representations side by side, sharing the guidance (ProlificDreamer's particles: under --guidance " +
                          "vsd they share one LoRA); particle 0's asset is the run's, particle k's is in particles/k/.",
            DefaultValueFactory = _ => d.Particles,
            HelpName = "N",
        };
        var prior = new Option<string?>("--prior")
        {
            Description = "Shortcut for the guidance: builtin (closed-form posterior over the families' members) or learned (the small " +
                          "diffusion model trained on the same families, shipped with DreamTime).",
            HelpName = "builtin|learned",
        };
        var image = new Option<string?>("--image")
        {
            Description = "Image-to-3D: a PNG or JPEG of one object (with alpha, or on a plain background) to turn into 3D instead of " +
                          "a prompt. Selects the builtin-image guidance (the built-in prior conditioned on the picture), or zero123 " +
                          "with --model.",
            HelpName = "FILE",
        };
        var imageElevation = new Option<double?>("--image-elevation")
        {
            Description = "Image-to-3D: elevation of the camera that took the picture, in degrees (default 0).",
            HelpName = "DEG",
        };
        var imageAzimuth = new Option<double?>("--image-azimuth")
        {
            Description = "Image-to-3D: azimuth of that camera, in degrees (default 0, the front).",
            HelpName = "DEG",
        };
        var imageDistance = new Option<double?>("--image-distance")
        {
            Description = "Image-to-3D: distance of that camera from the object (default: the middle of the training cameras' range).",
            HelpName = "D",
        };
        var imageFraming = new Option<string?>("--image-framing")
        {
            Description = "Image-to-3D: center (cut out, centred and scaled to 85% of the frame, as Zero-1-to-3 expects), none (the " +
                          "picture as taken by the input camera, e.g. from `prior render --member`), auto (the guidance's choice: none " +
                          "for builtin-image, center otherwise).",
            HelpName = "auto|center|none",
        };
        var representation = new Option<string?>("--representation")
        {
            Description = $"Representation by name: {Components.Representation.Describe()}. Default: nerf.",
        };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => d.Device };
        var negative = new Option<string>("--negative-prompt")
        {
            Description = "Negative prompt (Stable Diffusion only).",
            DefaultValueFactory = _ => d.NegativePrompt,
        };
        var resolution = new Option<int>("--resolution")
        {
            Description = "Training render size in pixels (square), of every stage.",
            DefaultValueFactory = _ => stage.Height,
        };
        var batch = new Option<int>("--batch-size")
        {
            Description = "Cameras per step (all share the step's t).",
            DefaultValueFactory = _ => stage.BatchSize,
        };
        var scale = new Option<double?>("--guidance-scale")
        {
            Description = $"Classifier-free guidance scale (default: {StableDiffusionSettings.DefaultGuidanceScale} for Stable " +
                          $"Diffusion, {Guidance.BuiltinPrior.BuiltinPriorOptions.DefaultGuidanceScale} for the built-in prior).",
        };
        var weighting = new Option<string>("--weighting")
        {
            Description = $"SDS weighting w(t): {string.Join(", ", ScoreDistillation.WeightingNames.Keys)}.",
            DefaultValueFactory = _ => d.Guidance.Weighting,
        };
        var gradClip = new Option<double?>("--grad-clip") { Description = "Clip the SDS gradient to [-c, c] (off by default)." };
        var temperature = new Option<string>("--temperature-pixels")
        {
            Description = "Built-in prior: its posterior is tempered, log-likelihoods multiplied by P/(H*W) (at 64x64 and P = 64 that " +
                          "is 1/64). 'exact' = untempered.",
            DefaultValueFactory = _ => builtin.TemperaturePixels?.ToString(CultureInfo.InvariantCulture) ?? "exact",
            HelpName = "P|exact",
        };
        var noViewPrompt = new Option<bool>("--no-view-prompt")
        {
            Description = "Stable Diffusion: do not append ', front view' etc. by camera.",
        };
        var shading = new Option<string>("--shading")
        {
            Description = "Probabilities of the shading modes per step as albedo,diffuse,textureless.",
            DefaultValueFactory = _ => $"{stage.ShadingAlbedo},{stage.ShadingDiffuse},{stage.ShadingTextureless}",
        };
        var lr = new Option<double>("--lr")
        {
            Description = "NeRF: Adam learning rate of the hash-grid encoding.",
            DefaultValueFactory = _ => nerf.LrEncoding,
        };
        var lrNet = new Option<double>("--lr-network")
        {
            Description = "NeRF: Adam learning rate of the MLPs.",
            DefaultValueFactory = _ => nerf.LrNetwork,
        };
        var lrBg = new Option<double>("--lr-background")
        {
            Description = "NeRF: Adam learning rate of the background.",
            DefaultValueFactory = _ => nerf.LrBackground,
        };
        var orient = new Option<double>("--lambda-orientation")
        {
            Description = "NeRF: weight of the orientation regulariser (normals facing the camera).",
            DefaultValueFactory = _ => nerf.LambdaOrientation,
        };
        var sparsity = new Option<double>("--lambda-sparsity")
        {
            Description = "NeRF: weight of the sparsity regulariser (mean opacity).",
            DefaultValueFactory = _ => nerf.LambdaSparsity,
        };
        var entropy = new Option<double>("--lambda-opacity-entropy")
        {
            Description = "NeRF: weight of the opacity entropy regulariser (opacity 0 or 1).",
            DefaultValueFactory = _ => nerf.LambdaOpacityEntropy,
        };
        var preview = new Option<int>("--preview-every")
        {
            Description = "Write a preview image every K steps (0 = never).",
            DefaultValueFactory = _ => d.PreviewEvery,
        };
        var ckpt = new Option<int>("--checkpoint-every")
        {
            Description = "Write a checkpoint every K steps (0 = only at the end and on Ctrl-C).",
            DefaultValueFactory = _ => d.CheckpointEvery,
        };
        var eval = new Option<int>("--eval-every")
        {
            Description = "Measure quality against the built-in prior's members every K steps (0 = only at the end).",
            DefaultValueFactory = _ => d.EvalEvery,
        };
        var mesh = new Option<int>("--mesh-resolution")
        {
            Description = "NeRF: marching-cubes grid resolution for model.glb / model.obj.",
            DefaultValueFactory = _ => nerf.MeshResolution,
        };
        var frames = new Option<int>("--turntable-frames")
        {
            Description = "Frames of the turntable (PNG frames, GIF and contact sheet).",
            DefaultValueFactory = _ => d.TurntableFrames,
        };
        cmd.Arguments.Add(prompt);
        foreach (var opt in new Option[]
                 {
                     outDir, overwrite, resume, pipeline, meshFile, guidance, prior, model, lora, particles, image, imageElevation,
                     imageAzimuth,
                     imageDistance,
                     imageFraming,
                     representation, device, negative, resolution, batch, scale, weighting, gradClip, temperature, noViewPrompt, shading,
                     lr, lrNet, lrBg, orient, sparsity, entropy, preview, ckpt, eval, mesh, frames,
                 })
            cmd.Options.Add(opt);

        static IEnumerable<(string, JsonNode?)> One<T>(string path, T value) => ConfigShortcut.One(path, value);
        // Type switches come first: they reset their section to the new component's defaults.
        // The pipeline first of all: it replaces the stages that the per-stage options then change.
        var shortcuts = new List<ConfigShortcut>
        {
            new(pipeline, p =>
                p.GetValue(pipeline) == Pipelines.ProlificDreamer
                && new Option[] { guidance, prior, model }.All(o => p.GetResult(o) is null or { Implicit: true })
                    ? [("pipeline", JsonValue.Create(p.GetValue(pipeline))), ("guidance.type", JsonValue.Create("vsd"))]
                    : One("pipeline", p.GetValue(pipeline))),
            new(meshFile, p =>
            [
                ("pipeline", JsonValue.Create("refine-mesh")),
                ("stages.0.representation.mesh_file", JsonValue.Create(Path.GetFullPath(p.GetValue(meshFile)!))),
            ]),
            new(guidance, p => One("guidance.type", p.GetValue(guidance))),
            new(prior, p => One("guidance.type", ParsePrior(p.GetValue(prior)!))),
            new(model, p =>
            [
                ("guidance.type", JsonValue.Create(
                    p.GetValue(guidance) == "vsd" || p.GetValue(pipeline) == Pipelines.ProlificDreamer ? "vsd"
                    : p.GetValue(prior) == "learned" ? "learned"
                    : p.GetValue(image) != null ? "zero123" : "stable-diffusion")),
                ("guidance.model", JsonValue.Create(p.GetValue(model))),
            ]),
            new(lora, p =>
            [
                ("guidance.loras", new JsonArray(p.GetValue(lora)!.Select(l => LoraFile.ParseReference(l)).Select(r =>
                    (JsonNode?)new JsonObject { ["file"] = Path.GetFullPath(r.File), ["scale"] = r.Scale }).ToArray())),
            ]),
            new(particles, p => One("particles", p.GetValue(particles))),
            new(image, p =>
            {
                var settings = new ReferenceSettings { Image = Path.GetFullPath(p.GetValue(image)!) };
                var reference = JsonSerializer.SerializeToNode(settings, TrainConfig.Json);
                bool typeGiven = new Option[] { guidance, prior, model }.Any(o => p.GetResult(o) is { Implicit: false });
                return typeGiven
                    ? new (string, JsonNode?)[] { ("reference", reference) }
                    : new (string, JsonNode?)[] { ("guidance.type", JsonValue.Create("builtin-image")), ("reference", reference) };
            }),
            new(imageElevation, p => One("reference.elevation_deg", p.GetValue(imageElevation))),
            new(imageAzimuth, p => One("reference.azimuth_deg", p.GetValue(imageAzimuth))),
            new(imageDistance, p => One("reference.distance", p.GetValue(imageDistance))),
            new(imageFraming, p => One("reference.framing", p.GetValue(imageFraming))),
            new(representation, p => One("stages.0.representation.type", p.GetValue(representation))),
            new(device, p => One("device", p.GetValue(device))),
            new(negative, p => One("negative_prompt", p.GetValue(negative))),
            new(resolution, p =>
                [("stages.*.height", JsonValue.Create(p.GetValue(resolution))),
                 ("stages.*.width", JsonValue.Create(p.GetValue(resolution)))]),
            new(batch, p => One("stages.*.batch_size", p.GetValue(batch))),
            new(scale, p => One("guidance.guidance_scale", p.GetValue(scale))),
            new(weighting, p => One("guidance.weighting", p.GetValue(weighting))),
            new(gradClip, p => One("guidance.grad_clip", p.GetValue(gradClip))),
            new(temperature, p => One("guidance.temperature_pixels", ParseTemperature(p.GetValue(temperature)!))),
            new(noViewPrompt, p => One("guidance.view_dependent_prompt", !p.GetValue(noViewPrompt))),
            new(shading, p =>
            {
                var v = ParseShading(p.GetValue(shading)!);
                return [("stages.*.shading_albedo", JsonValue.Create(v[0])), ("stages.*.shading_diffuse", JsonValue.Create(v[1])),
                        ("stages.*.shading_textureless", JsonValue.Create(v[2]))];
            }),
            new(lr, p => One("stages.0.representation.lr_encoding", p.GetValue(lr))),
            new(lrNet, p => One("stages.0.representation.lr_network", p.GetValue(lrNet))),
            new(lrBg, p => One("stages.0.representation.lr_background", p.GetValue(lrBg))),
            new(orient, p => One("stages.0.representation.lambda_orientation", p.GetValue(orient))),
            new(sparsity, p => One("stages.0.representation.lambda_sparsity", p.GetValue(sparsity))),
            new(entropy, p => One("stages.0.representation.lambda_opacity_entropy", p.GetValue(entropy))),
            new(preview, p => One("preview_every", p.GetValue(preview))),
            new(ckpt, p => One("checkpoint_every", p.GetValue(ckpt))),
            new(eval, p => One("eval_every", p.GetValue(eval))),
            new(mesh, p => One("stages.0.representation.mesh_resolution", p.GetValue(mesh))),
            new(frames, p => One("turntable_frames", p.GetValue(frames))),
        };
        shortcuts.AddRange(ts.ConfigKeys().Select(k => new ConfigShortcut(k.Option, p => [(k.Key switch
        {
            "seed" => "seed",
            "iterations" => "stages.*.iterations",
            _ => "stages.*.timesteps." + k.Key,
        }, k.Read(p))])));
        // The flag an error about a key names: the first shortcut that sets the key (its keys found by running it
        // on an empty command line; --prior and --image need a value, and --image stands for reference.image).
        var probe = cmd.Parse([]);
        foreach (var s in shortcuts)
        {
            try { foreach (var (path, _) in s.Keys(probe)) KeyFlags.Add(cmd, path, s.Option); }
            catch (Exception e) when (e is ArgumentException or NullReferenceException or UserError) { }
        }
        KeyFlags.Add(cmd, "reference.image", image);
        KeyFlags.Add(cmd, "stages.0.representation.mesh_file", meshFile);

        cmd.SetAction(p =>
        {
            var observer = new ProgressObserver(p.InvocationConfiguration.Error);
            bool Given(Option o) => p.GetResult(o) is { Implicit: false };
            GenerationRun run;
            if (p.GetValue(resume) is string dir)
            {
                // Anything else given with --resume would be silently ignored: config.json decides.
                var ignored = cmd.Options.Where(o => o != resume && o != device && o != ts.Iterations && Given(o))
                    .Select(o => o.Name).ToList();
                if (p.GetValue(prompt) != null) ignored.Insert(0, "PROMPT");
                if (ignored.Count > 0)
                    throw new UserError($"--resume {dir}: the run's config.json decides every setting but --device and --iterations; " +
                                        $"drop {string.Join(", ", ignored)} (or edit config.json)");
                var overrides = new ResumeOverrides(Given(device) ? p.GetValue(device) : null,
                    Given(ts.Iterations) ? p.GetValue(ts.Iterations) : null);
                run = GenerationRun.Resume(dir, overrides, observer);
            }
            else
            {
                if (Given(meshFile) && Given(pipeline))
                    throw new UserError($"--mesh: refines the file with the refine-mesh pipeline; drop --pipeline {p.GetValue(pipeline)}");
                var cfg = configOptions.Build(p, ConfigOverrides.Defaults, shortcuts, tree =>
                {
                    foreach (var o in new Option[] { imageElevation, imageAzimuth, imageDistance, imageFraming })
                        if (Given(o) && !Given(image) && tree["reference"] is null)
                            throw new UserError($"{o.Name}: describes the input picture of image-to-3D; give --image FILE with it");
                    if (p.GetValue(prompt) is string text) tree["prompt"] = text.Trim();
                });
                if (cfg.Reference != null && !string.IsNullOrWhiteSpace(cfg.Prompt))
                    throw new UserError($"prompt \"{cfg.Prompt}\": image-to-3D is conditioned on the picture alone; drop the prompt");
                if (string.IsNullOrWhiteSpace(cfg.Prompt) && cfg.Reference == null)
                    throw new UserError("prompt: empty; say what to generate, e.g. ./dreamtime generate \"a red mushroom\" " +
                                        "(./dreamtime prior list shows what the built-in prior knows)");
                run = GenerationRun.Start(cfg, p.GetValue(outDir), p.GetValue(overwrite), observer);
            }
            using (run)
            {
                using var cancel = new CancellationTokenSource();
                using var signals = new StopSignals(cancel, Console.Error);
                try
                {
                    if (run.Run(cancel.Token) == SessionOutcome.Interrupted)
                    {
                        p.InvocationConfiguration.Error.WriteLine($"continue with: dreamtime generate --resume {run.Folder.Root}");
                        return InterruptedExit;
                    }
                    Console.WriteLine($"done: {run.Folder.Root}");
                    return 0;
                }
                catch (TrainingDivergedException e)
                {
                    p.InvocationConfiguration.Error.WriteLine($"error: {e.Message}");
                    return DivergedExit;
                }
            }
        });
        return cmd;
    }

    /// <summary>--prior: the guidance type it stands for.</summary>
    internal static string ParsePrior(string s) =>
        s is "builtin" or "learned" ? s : throw new UserError($"--prior {s}: unknown prior; use builtin or learned");

    internal static double? ParseTemperature(string s) =>
        s.Trim().Equals("exact", StringComparison.OrdinalIgnoreCase) ? null
        : double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 ? v
        : throw new UserError($"--temperature-pixels {s}: expected a positive number of pixels or 'exact'");

    private static double[] ParseShading(string s)
    {
        var parts = s.Split(',');
        if (parts.Length != 3 || !parts.All(x => double.TryParse(x, CultureInfo.InvariantCulture, out var v) && v >= 0))
            throw new UserError($"--shading {s}: expected three non-negative numbers albedo,diffuse,textureless (e.g. 0.2,0.6,0.2)");
        var v = parts.Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        if (v.Sum() <= 0) throw new UserError($"--shading {s}: at least one probability must be positive");
        return v;
    }
}
