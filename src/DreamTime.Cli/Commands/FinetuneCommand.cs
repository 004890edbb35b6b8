using System.CommandLine;
using DreamTime.Finetuning;
using DreamTime.Runtime;
using DreamTime.Training;

namespace DreamTime.Cli.Commands;

/// <summary>`dreamtime finetune`: DreamBooth on a diffusers folder (<see cref="FinetuneRun"/>).</summary>
public static class FinetuneCommand
{
    public static Command Create()
    {
        var d = new FinetuneSettings();
        var cmd = new Command("finetune", "DreamBooth: fine-tune a diffusers model (the learned prior, Stable Diffusion) on a few " +
                                          "pictures " +
                                          "of one subject, captioned \"a TOKEN CLASS\", with prior preservation on class images the " +
                                          "model samples itself. Writes a diffusers folder (--method full) for `generate --model`, or a " +
                                          "LoRA file (--method lora) for `generate --lora`; then `generate \"a TOKEN CLASS\"` is " +
                                          "DreamBooth3D's distillation.");
        var model = new Option<string?>("--model") { Description = "The diffusers folder to fine-tune.", HelpName = "DIR" };
        var images = new Option<string[]>("--images")
        {
            Description = "Pictures of the subject (PNG/JPEG; transparent parts count as white); resized to the model's resolution.",
            AllowMultipleArgumentsPerToken = true,
            HelpName = "FILE",
        };
        var azimuths = new Option<double[]>("--azimuths")
        {
            Description = "The camera azimuth of each picture in degrees (0 = front): captions then end in \", front view\" etc., as " +
                          "the learned prior's do.",
            AllowMultipleArgumentsPerToken = true,
        };
        var token = new Option<string>("--token")
        {
            Description = "The rare word that will name the subject.",
            DefaultValueFactory = _ => d.Token,
        };
        var cls = new Option<string?>("--class") { Description = "The subject's class noun, e.g. mushroom.", HelpName = "NOUN" };
        var method = new Option<string>("--method")
        {
            Description = "full (every UNet and text-encoder weight) or lora (adapters on their attention).",
            DefaultValueFactory = _ => d.Method,
        };
        var steps = new Option<int>("--steps")
        {
            Description = "Training steps (with --resume: the new total).",
            DefaultValueFactory = _ => d.Steps,
        };
        var lr = new Option<double?>("--lr") { Description = "AdamW learning rate (default 5e-5 for full, 1e-3 for lora)." };
        var batch = new Option<int>("--batch-size")
        {
            Description = "Subject pictures per step (and as many class images).",
            DefaultValueFactory = _ => d.BatchSize,
        };
        var priorWeight = new Option<double>("--prior-loss-weight")
        {
            Description = "Weight of the class images' loss (0 = no prior preservation).",
            DefaultValueFactory = _ => d.PriorLossWeight,
        };
        var classImages = new Option<int>("--class-images")
        {
            Description = "Class images to sample from the model before training.",
            DefaultValueFactory = _ => d.ClassImages,
        };
        var classSteps = new Option<int>("--class-steps")
        {
            Description = "Sampler steps per class image (and per sample of the result).",
            DefaultValueFactory = _ => d.ClassSampleSteps,
        };
        var classGuidance = new Option<double>("--class-guidance")
        {
            Description = "Classifier-free guidance of those samples.",
            DefaultValueFactory = _ => d.ClassGuidanceScale,
        };
        var noText = new Option<bool>("--no-text-encoder") { Description = "Train the UNet only (the text encoder stays frozen)." };
        var rank = new Option<int>("--lora-rank")
        {
            Description = "Rank of the LoRA adapters (--method lora).",
            DefaultValueFactory = _ => d.LoraRank,
        };
        var alpha = new Option<double?>("--lora-alpha")
        {
            Description = "LoRA alpha (the update is scaled by alpha / rank; default: the rank).",
        };
        var targets = new Option<string[]>("--lora-targets")
        {
            Description = "The attention projections that get adapters (to_q to_k to_v to_out.0 q_proj k_proj v_proj out_proj; " +
                          "default: all).",
            AllowMultipleArgumentsPerToken = true,
        };
        var seed = new Option<long>("--seed")
        {
            Description = "Seeds the class images, the batches and the noise.",
            DefaultValueFactory = _ => d.Seed,
        };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => d.Device };
        var ckpt = new Option<int>("--checkpoint-every")
        {
            Description = "Save a checkpoint every N steps (0 = only at the end; Ctrl+C also saves one).",
            DefaultValueFactory = _ => d.CheckpointEvery,
        };
        var outDir = new Option<string?>("--out")
        {
            Description = "Output folder (refused if it exists and is not empty, unless --overwrite).",
            HelpName = "DIR",
        };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a non-empty --out folder." };
        var resume = new Option<string?>("--resume")
        {
            Description = "Continue a fine-tuning in this folder from its last checkpoint (its finetune_config.json decides the settings).",
            HelpName = "DIR",
        };
        foreach (var o in new Option[]
                 {
                     model, images, azimuths, token, cls, method, steps, lr, batch, priorWeight, classImages, classSteps, classGuidance,
                     noText, rank, alpha, targets, seed, device, ckpt, outDir, overwrite, resume,
                 })
            cmd.Options.Add(o);
        KeyFlags.Add(cmd, "class_noun", cls);
        KeyFlags.Add(cmd, "learning_rate", lr);
        KeyFlags.Add(cmd, "class_sample_steps", classSteps);
        KeyFlags.Add(cmd, "class_guidance_scale", classGuidance);
        cmd.SetAction(p =>
        {
            var err = p.InvocationConfiguration.Error;
            var observer = new ProgressObserver(err);
            bool Given(Option o) => p.GetResult(o) is { Implicit: false };
            using var cancel = new CancellationTokenSource();
            using var signals = new StopSignals(cancel, Console.Error);
            try
            {
                FinetuneResult result;
                if (p.GetValue(resume) is string dir)
                {
                    var ignored = cmd.Options.Where(o => o != resume && o != steps && Given(o)).Select(o => o.Name).ToList();
                    if (ignored.Count > 0)
                        throw new UserError($"--resume {dir}: the folder's finetune_config.json decides every setting but --steps; drop " +
                                            string.Join(", ", ignored));
                    result = FinetuneRun.Resume(dir, Given(steps) ? p.GetValue(steps) : null, observer, cancel.Token);
                }
                else
                {
                    var target = p.GetValue(outDir) ?? throw new UserError("finetune: give --out DIR for the result (or --resume DIR)");
                    var settings = new FinetuneSettings
                    {
                        Model = p.GetValue(model) ?? "",
                        Images = p.GetValue(images) ?? [],
                        Azimuths = p.GetValue(azimuths) ?? [],
                        Token = p.GetValue(token)!,
                        ClassNoun = p.GetValue(cls) ?? "",
                        Method = p.GetValue(method)!,
                        Steps = p.GetValue(steps),
                        LearningRate = p.GetValue(lr),
                        BatchSize = p.GetValue(batch),
                        PriorLossWeight = p.GetValue(priorWeight),
                        ClassImages = p.GetValue(classImages),
                        ClassSampleSteps = p.GetValue(classSteps),
                        ClassGuidanceScale = p.GetValue(classGuidance),
                        TrainTextEncoder = !p.GetValue(noText),
                        LoraRank = p.GetValue(rank),
                        LoraAlpha = p.GetValue(alpha),
                        LoraTargets = p.GetValue(targets) is { Length: > 0 } t ? t : null,
                        Seed = p.GetValue(seed),
                        Device = p.GetValue(device)!,
                        CheckpointEvery = p.GetValue(ckpt),
                    };
                    result = FinetuneRun.Start(settings, target, p.GetValue(overwrite), observer, cancel.Token);
                }
                if (!result.Completed) return GenerateCommand.InterruptedExit;
                p.InvocationConfiguration.Output.WriteLine($"done: {result.Output}");
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
}
