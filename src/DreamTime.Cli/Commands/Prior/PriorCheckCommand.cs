using System.CommandLine;
using DreamTime.Guidance;
using DreamTime.Studies.PriorCheck;

namespace DreamTime.Cli.Commands.Prior;

/// <summary>
/// `dreamtime prior check`: do a learned prior's samples land on their prompt's family? (<see cref="SampleCheckReport"/>).
/// </summary>
public static class PriorCheckCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model")
        {
            Description = "The learned prior to check (default: the shipped one).",
            HelpName = "DIR",
        };
        var seeds = new Option<int>("--seeds")
        {
            Description = "Samples per family (seeds --first-seed .. --first-seed + N - 1).",
            DefaultValueFactory = _ => SampleCheck.DefaultSeeds,
        };
        var firstSeed = new Option<int>("--first-seed")
        {
            Description = "The first seed: choose sampler settings on one range of seeds, measure them on another.",
            DefaultValueFactory = _ => 0,
        };
        var steps = new Option<int>("--steps")
        {
            Description = "Sampler steps per sample.",
            DefaultValueFactory = _ => SampleCheck.DefaultSteps,
        };
        var scheduler = new Option<string?>("--scheduler")
        {
            Description = "Sampler: ddpm (ancestral) or ddim (deterministic, eta 0); default: the model's scheduler (DDPM for trained " +
                          "priors).",
            HelpName = "ddpm|ddim",
        };
        var guidance = new Option<double>("--guidance-scale")
        {
            Description = "Classifier-free guidance scale of the sampler.",
            DefaultValueFactory = _ => SampleCheck.DefaultGuidance,
        };
        var outPath = new Option<string?>("--out")
        {
            Description = "PNG grid: one row per family, its samples then each sample's nearest member render.",
            HelpName = "FILE",
        };
        var ceiling = new Option<int>("--ceiling-renders")
        {
            Description = "Also run the matching on this many real front-view training renders per family and print their rate: the " +
                          "most any model can score (0: skip).",
            DefaultValueFactory = _ => SampleCheck.DefaultCeilingRenders,
        };
        var cmd = new Command("check", "Show that a learned prior learned the families: sample \"a NOUN, front view\" for every family " +
                                       "over several seeds and count the samples whose nearest member render (PSNR against every " +
                                       "member of every family, rendered from a grid of front views) belongs to the prompt's family.");
        var textUse = new Option<int>("--text-use-renders")
        {
            Description = "Also measure how much the model uses its captions: x0 predicted from this many fresh captioned renders " +
                          $"noised at t = {string.Join(", ", SampleCheck.TextUseTimesteps)}, with their captions and with the empty " +
                          "caption, as PSNR (0: skip).",
            DefaultValueFactory = _ => SampleCheck.DefaultTextUseRenders,
        };
        foreach (var o in new Option[]
                 {
                     model, seeds, firstSeed, steps, scheduler, guidance, outPath, ceiling, textUse,
                 })
            cmd.Options.Add(o);
        KeyFlags.Add(cmd, "sampler", scheduler);
        cmd.SetAction(p =>
        {
            var log = new ProgressObserver(p.InvocationConfiguration.Error).Log;
            SampleCheckReport.Run(p.InvocationConfiguration.Output, p.GetValue(model) ?? ShippedModel.Folder, p.GetValue(seeds),
                p.GetValue(steps), p.GetValue(guidance), p.GetValue(scheduler), p.GetValue(firstSeed), p.GetValue(ceiling),
                p.GetValue(textUse), p.GetValue(outPath), log);
            return 0;
        });
        return cmd;
    }
}
