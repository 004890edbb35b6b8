using System.CommandLine;
using DreamTime.LearnedPrior;
using DreamTime.Runtime;
using DreamTime.Training;

namespace DreamTime.Cli.Commands.Prior;

/// <summary>`dreamtime prior train`: trains (or resumes) a learned prior (<see cref="LearnedPriorTraining"/>).</summary>
public static class PriorTrainCommand
{
    public static Command Create()
    {
        var d = new LearnedPriorConfig();
        var cmd = new Command("train", "Train a small text-conditioned diffusion model in pixel space on captioned renders of the " +
                                       "families (a learned prior), and write it as a diffusers folder (OUT/model) that `sample " +
                                       "--model` loads, with a loss curve, a sample grid and config.json.");
        var outDir = new Option<string?>("--out")
        {
            Description = "Training folder for every output (model/, checkpoints/, metrics.jsonl, loss.png, samples.png, config.json); " +
                          "required unless --resume.",
            HelpName = "DIR",
        };
        var steps = new Option<int>("--steps")
        {
            Description = "Training steps (with --resume: the new total; the cosine schedule is recomputed for it).",
            DefaultValueFactory = _ => d.Steps,
        };
        var batch = new Option<int>("--batch-size") { Description = "Captioned renders per step.", DefaultValueFactory = _ => d.BatchSize };
        var lr = new Option<double>("--lr")
        {
            Description = "Peak AdamW learning rate (after a linear warm-up, then cosine decay).",
            DefaultValueFactory = _ => d.LearningRate,
        };
        var channels = new Option<string>("--channels")
        {
            Description = "UNet block widths from the top level down, comma-separated (multiples of 8); cross-attention in every level " +
                          "below the top.",
            DefaultValueFactory = _ => string.Join(",", d.Channels),
            HelpName = "C1,C2,...",
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the weights' initialisation, the data stream and the noise (each step's batch depends only on seed " +
                          "and step).",
            DefaultValueFactory = _ => d.Seed,
        };
        var ckpt = new Option<int>("--checkpoint-every")
        {
            Description = "Write a checkpoint (weights, EMA, optimizer, step) every K steps; also at the end and on Ctrl-C.",
            DefaultValueFactory = _ => d.CheckpointEvery,
        };
        var resume = new Option<string?>("--resume")
        {
            Description = "Continue the training in this folder from its last checkpoint; its config.json decides every setting but " +
                          "--steps and --device.",
            HelpName = "DIR",
        };
        var overwrite = new Option<bool>("--overwrite")
        {
            Description = "Replace the --out folder if it exists (otherwise an existing folder is refused).",
        };
        var device = new Option<string>("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => d.Device };
        var init = new Option<string?>("--init")
        {
            Description = "Start from this learned-prior model's weights (e.g. the shipped one) with a fresh optimizer and schedule; " +
                          "its architecture switches (add_text_embedding) follow the model; give another --seed to draw new data.",
            HelpName = "MODEL",
        };
        var offset = new Option<double>("--offset-noise")
        {
            Description = "Offset noise: add this times one normal draw per image and channel to the training noise, so the model " +
                          "learns the noise's mean colour (against tinted sample backgrounds); 0: none.",
            DefaultValueFactory = _ => d.OffsetNoise,
        };
        foreach (var o in new Option[]
                 {
                     outDir, steps, batch, lr, channels, seed, ckpt, resume, overwrite, device, init, offset,
                 })
            cmd.Options.Add(o);
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
                    if (ignored.Count > 0)
                        throw new UserError($"--resume {dir}: the training's config.json decides every setting but --steps and " +
                                            $"--device; drop {string.Join(", ", ignored)}");
                    result = LearnedPriorTraining.Resume(dir, Given(steps) ? p.GetValue(steps) : null,
                        Given(device) ? p.GetValue(device) : null,
                        observer, cancel.Token);
                }
                else
                {
                    var dir2 = p.GetValue(outDir) ?? throw new UserError("prior train: give --out DIR for the outputs (or --resume DIR " +
                                                                         "to continue a training)");
                    var config = d with
                    {
                        Steps = p.GetValue(steps),
                        BatchSize = p.GetValue(batch),
                        LearningRate = p.GetValue(lr),
                        Channels = LearnedPriorConfig.ParseChannels(p.GetValue(channels)!),
                        Seed = p.GetValue(seed),
                        CheckpointEvery = p.GetValue(ckpt),
                        Device = p.GetValue(device)!,
                        OffsetNoise = p.GetValue(offset),
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
}
