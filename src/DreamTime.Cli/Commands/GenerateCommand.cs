using System.CommandLine;
using DreamTime.Diffusion;
using DreamTime.Guidance;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Training;

namespace DreamTime.Cli.Commands;

/// <summary>`dreamtime generate PROMPT`: text-to-3D, the main job.</summary>
public static class GenerateCommand
{
    public const int DivergedExit = 3, InterruptedExit = 130;

    public static Command Create()
    {
        var d = new TrainConfig();
        var cmd = new Command("generate", "Turn a text prompt into a 3D asset (NeRF -> coloured mesh) by score distillation. " +
            "Uses the built-in prior (no downloads) unless --model points at a Stable Diffusion checkpoint in the diffusers layout.");
        var prompt = new Argument<string?>("prompt") { Description = "What to generate, e.g. \"a red mushroom\" (see `dreamtime prior list` for the built-in prior's vocabulary).", Arity = ArgumentArity.ZeroOrOne };
        var ts = new TimestepOptionSet(cmd, includeNoiseTable: false);
        ts.Iterations.DefaultValueFactory = _ => d.Iterations;
        var o = new
        {
            Out = new Option<string?>("--out") { Description = "Run folder for every output (default: runs/<prompt>-<strategy>-seed<N>)." },
            Overwrite = new Option<bool>("--overwrite") { Description = "Replace the run folder if it exists (otherwise an existing folder is refused)." },
            Resume = new Option<string?>("--resume") { Description = "Continue the run in this folder from its last checkpoint (its config.json decides every setting)." },
            Model = new Option<string?>("--model") { Description = "Stable Diffusion checkpoint folder (diffusers layout). Default: the built-in prior." },
            Device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => d.Device },
            Negative = new Option<string>("--negative-prompt") { Description = "Negative prompt (Stable Diffusion only).", DefaultValueFactory = _ => d.NegativePrompt },
            Resolution = new Option<int>("--resolution") { Description = "Training render size in pixels (square).", DefaultValueFactory = _ => d.Height },
            Batch = new Option<int>("--batch-size") { Description = "Cameras per step (all share the step's t).", DefaultValueFactory = _ => d.BatchSize },
            Guidance = new Option<double?>("--guidance-scale") { Description = "Classifier-free guidance scale (default: 100 for Stable Diffusion, the prior's own default for the built-in prior)." },
            Weighting = new Option<string>("--weighting") { Description = $"SDS weighting w(t): {string.Join(", ", ScoreDistillation.WeightingNames.Keys)}.", DefaultValueFactory = _ => d.Weighting },
            GradClip = new Option<double?>("--grad-clip") { Description = "Clip the SDS gradient to [-c, c] (off by default)." },
            NoViewPrompt = new Option<bool>("--no-view-prompt") { Description = "Stable Diffusion: do not append ', front view' etc. by camera." },
            Shading = new Option<string>("--shading") { Description = "Probabilities of the shading modes per step as albedo,diffuse,textureless.", DefaultValueFactory = _ => $"{d.ShadingAlbedo},{d.ShadingDiffuse},{d.ShadingTextureless}" },
            Lr = new Option<double>("--lr") { Description = "Adam learning rate of the hash-grid encoding.", DefaultValueFactory = _ => d.LrEncoding },
            LrNet = new Option<double>("--lr-network") { Description = "Adam learning rate of the MLPs.", DefaultValueFactory = _ => d.LrNetwork },
            LrBg = new Option<double>("--lr-background") { Description = "Adam learning rate of the background.", DefaultValueFactory = _ => d.LrBackground },
            Orient = new Option<double>("--lambda-orientation") { Description = "Weight of the orientation regulariser (normals facing the camera).", DefaultValueFactory = _ => d.LambdaOrientation },
            Sparsity = new Option<double>("--lambda-sparsity") { Description = "Weight of the sparsity regulariser (mean opacity).", DefaultValueFactory = _ => d.LambdaSparsity },
            Entropy = new Option<double>("--lambda-opacity-entropy") { Description = "Weight of the opacity entropy regulariser (opacity 0 or 1).", DefaultValueFactory = _ => d.LambdaOpacityEntropy },
            Preview = new Option<int>("--preview-every") { Description = "Write a preview image every K steps (0 = never).", DefaultValueFactory = _ => d.PreviewEvery },
            Ckpt = new Option<int>("--checkpoint-every") { Description = "Write a checkpoint every K steps (0 = only at the end and on Ctrl-C).", DefaultValueFactory = _ => d.CheckpointEvery },
            Eval = new Option<int>("--eval-every") { Description = "Measure quality against the built-in prior's members every K steps (0 = only at the end).", DefaultValueFactory = _ => d.EvalEvery },
            Mesh = new Option<int>("--mesh-resolution") { Description = "Marching-cubes grid resolution for model.glb / model.obj.", DefaultValueFactory = _ => d.MeshResolution },
            Frames = new Option<int>("--turntable-frames") { Description = "Frames of the turntable (PNG frames, GIF and contact sheet).", DefaultValueFactory = _ => d.TurntableFrames },
        };
        cmd.Arguments.Add(prompt);
        foreach (var opt in new Option[] { o.Out, o.Overwrite, o.Resume, o.Model, o.Device, o.Negative, o.Resolution, o.Batch, o.Guidance, o.Weighting, o.GradClip,
                     o.NoViewPrompt, o.Shading, o.Lr, o.LrNet, o.LrBg, o.Orient, o.Sparsity, o.Entropy, o.Preview, o.Ckpt, o.Eval, o.Mesh, o.Frames })
            cmd.Options.Add(opt);

        cmd.SetAction(p =>
        {
            var resume = p.GetValue(o.Resume);
            TrainConfig config;
            RunFolder run;
            string? checkpoint = null;
            if (resume != null)
            {
                // Settings given with --resume would be silently ignored (e.g. --iterations to extend a run).
                var ignored = cmd.Options.Where(opt => opt != o.Resume && p.GetResult(opt) is { Implicit: false }).Select(opt => opt.Name).ToList();
                if (p.GetValue(prompt) != null) ignored.Insert(0, "PROMPT");
                if (ignored.Count > 0) throw new UserError($"--resume {resume}: the run's config.json decides every setting; drop {string.Join(", ", ignored)} (or edit config.json)");
                run = new RunFolder(resume);
                if (!File.Exists(run.Config)) throw new UserError($"--resume {resume}: no config.json there; not a run folder");
                config = TrainConfig.FromJson(File.ReadAllText(run.Config), run.Config);
                checkpoint = Checkpoint.Find(run.LastCheckpoint) ?? throw new UserError($"--resume {resume}: no checkpoint in {run.Checkpoints}");
            }
            else
            {
                var text = p.GetValue(prompt);
                if (string.IsNullOrWhiteSpace(text)) throw new UserError("prompt: empty; say what to generate, e.g. ./dreamtime generate \"a red mushroom\" (./dreamtime prior list shows what the built-in prior knows)");
                var shading = ParseShading(p.GetValue(o.Shading)!);
                int res = p.GetValue(o.Resolution);
                var (timesteps, _) = ts.Read(p, NoiseSchedule.StableDiffusion);
                config = d with
                {
                    Prompt = text.Trim(), NegativePrompt = p.GetValue(o.Negative)!, Model = p.GetValue(o.Model), Device = p.GetValue(o.Device)!,
                    Timesteps = timesteps, Height = res, Width = res, BatchSize = p.GetValue(o.Batch), GuidanceScale = p.GetValue(o.Guidance),
                    Weighting = p.GetValue(o.Weighting)!, GradClip = p.GetValue(o.GradClip), ViewDependentPrompt = !p.GetValue(o.NoViewPrompt),
                    ShadingAlbedo = shading[0], ShadingDiffuse = shading[1], ShadingTextureless = shading[2],
                    LrEncoding = p.GetValue(o.Lr), LrNetwork = p.GetValue(o.LrNet), LrBackground = p.GetValue(o.LrBg),
                    LambdaOrientation = p.GetValue(o.Orient), LambdaSparsity = p.GetValue(o.Sparsity), LambdaOpacityEntropy = p.GetValue(o.Entropy),
                    PreviewEvery = p.GetValue(o.Preview), CheckpointEvery = p.GetValue(o.Ckpt), EvalEvery = p.GetValue(o.Eval),
                    MeshResolution = p.GetValue(o.Mesh), TurntableFrames = p.GetValue(o.Frames),
                };
                run = new RunFolder(p.GetValue(o.Out) ?? Path.Combine("runs", $"{Slug(config.Prompt)}-{timesteps.Strategy}-seed{timesteps.Seed}"));
            }
            config.Validate();
            var device = TorchRuntime.ResolveDevice(config.Device);
            // Build the guidance before touching the run folder: an unknown prompt or a bad checkpoint writes nothing.
            var (guidance, evaluator) = GuidanceFactory.Create(config, device);
            if (resume == null)
            {
                run.PrepareNew(p.GetValue(o.Overwrite));
                AtomicFile.WriteAllText(run.Config, config.ToJson());
            }
            using var trainer = new Trainer(config, run, guidance, evaluator, device, checkpoint);
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); Console.Error.WriteLine("\nCtrl-C: stopping after this step and saving a checkpoint..."); };
            Console.CancelKeyPress += onCancel;
            try
            {
                RunExports.WriteSchedule(trainer);
                var session = new TrainingSession(trainer, Console.Error) { Export = RunExports.WriteAll };
                var outcome = session.Run(cancel.Token);
                if (outcome == SessionOutcome.Interrupted) return InterruptedExit;
                Console.WriteLine($"done: {run.Root}");
                return 0;
            }
            catch (TrainingDivergedException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return DivergedExit;
            }
            finally { Console.CancelKeyPress -= onCancel; }
        });
        return cmd;
    }

    private static double[] ParseShading(string s)
    {
        var parts = s.Split(',');
        if (parts.Length != 3 || !parts.All(x => double.TryParse(x, System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= 0))
            throw new UserError($"--shading {s}: expected three non-negative numbers albedo,diffuse,textureless (e.g. 0.2,0.6,0.2)");
        var v = parts.Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (v.Sum() <= 0) throw new UserError($"--shading {s}: at least one probability must be positive");
        return v;
    }

    public static string Slug(string text)
    {
        var chars = text.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray();
        var slug = string.Join("-", new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
        return slug.Length == 0 ? "all" : slug.Length > 48 ? slug[..48] : slug;
    }
}
