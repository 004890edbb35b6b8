using System.CommandLine;
using System.Globalization;
using DreamTime.Guidance;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Studies.Hints;

namespace DreamTime.Cli.Commands.Prior;

/// <summary>`dreamtime prior hints`: are small-t steps coarse hints? (<see cref="HintsReport"/>).</summary>
public static class PriorHintsCommand
{
    public static Command Create()
    {
        var cmd = new Command("hints", "Is a small-t step a coarse hint? Member renders of the prompt, low-pass filtered (what an " +
                                       "early NeRF looks like), are noised at t and denoised once by the built-in prior (posterior " +
                                       "mean over the members) and once by a learned prior; prints the PSNR of the input and of each " +
                                       "x0_hat against the clean member.");
        var prompt = new Argument<string>("prompt") { Description = "Prompt whose members are rendered (built-in prior vocabulary)." };
        var model = new Option<string?>("--model")
        {
            Description = "The learned prior (default: the shipped one); renders are made at its resolution.",
            HelpName = "DIR",
        };
        var cameras = new Option<int>("--cameras")
        {
            Description = "Random training cameras to average over (every member from each).",
            DefaultValueFactory = _ => 4,
        };
        var blur = new Option<int>("--blur")
        {
            Description = "Degradation: average-pool by this factor and upsample back (1 = clean renders).",
            DefaultValueFactory = _ => 4,
        };
        var guidance = new Option<double>("--guidance-scale")
        {
            Description = "The learned prior's classifier-free guidance scale.",
            DefaultValueFactory = _ => LearnedPriorSettings.DefaultGuidanceScale,
        };
        var temperature = new Option<string>("--temperature-pixels")
        {
            Description = "The built-in prior's temperature as an effective pixel count P, or 'exact'.",
            DefaultValueFactory = _ => BuiltinPriorOptions.DefaultTemperaturePixels.ToString(CultureInfo.InvariantCulture),
            HelpName = "P|exact",
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the cameras and the noise.", DefaultValueFactory = _ => 0 };
        cmd.Arguments.Add(prompt);
        foreach (var o in new Option[] { model, cameras, blur, guidance, temperature, seed }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            double? kp = GenerateCommand.ParseTemperature(p.GetValue(temperature)!);
            var table = HintsReport.Run(p.GetValue(prompt) ?? "", p.GetValue(model), p.GetValue(cameras), p.GetValue(blur),
                p.GetValue(guidance), kp, p.GetValue(seed));
            p.InvocationConfiguration.Output.Write(table);
            return 0;
        });
        return cmd;
    }
}
