using System.CommandLine;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Scenes;
using DreamTime.Studies.Entropy;

namespace DreamTime.Cli.Commands.Prior;

/// <summary>`dreamtime prior entropy`: posterior entropy against t (<see cref="EntropyReport"/>).</summary>
public static class PriorEntropyCommand
{
    public static Command Create()
    {
        var cmd = new Command("entropy", "Measure the coarse-to-fine property: mean posterior entropy H(w) over the prompt's members " +
                                         "against t, for member renders at random cameras noised at t.");
        var prompt = new Argument<string>("prompt") { Description = "Prompt whose members form the data set (\"\" = all families)." };
        var size = new Option<int>("--size")
        {
            Description = "Render side in pixels (the guidance resolution).",
            DefaultValueFactory = _ => 64,
        };
        var cameras = new Option<int>("--cameras")
        {
            Description = "Random training cameras to average over.",
            DefaultValueFactory = _ => 4,
        };
        var samples = new Option<int>("--samples") { Description = "Members (x_0) drawn per camera.", DefaultValueFactory = _ => 8 };
        var kernel = new Option<double>("--temperature-pixels")
        {
            Description = "Posterior temperature as an effective pixel count P: log-likelihoods are multiplied by P/(size*size) (0 = " +
                          "untempered, the exact posterior at the render size).",
            DefaultValueFactory = _ => BuiltinPriorOptions.DefaultTemperaturePixels,
        };
        var supersample = new Option<int>("--supersample")
        {
            Description = "Rays per pixel side.",
            DefaultValueFactory = _ => BuiltinPriorOptions.DefaultSupersample,
        };
        var k = PriorOptions.MembersPerFamily();
        var seed = PriorOptions.FamilySeed();
        cmd.Arguments.Add(prompt);
        foreach (var o in new Option[] { size, cameras, samples, kernel, supersample, k, seed }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var lib = new PriorLibrary(p.GetValue(k), p.GetValue(seed));
            p.InvocationConfiguration.Output.Write(EntropyReport.Run(lib, p.GetValue(prompt) ?? "", p.GetValue(size), p.GetValue(cameras),
                p.GetValue(samples), p.GetValue(kernel), p.GetValue(supersample)));
            return 0;
        });
        return cmd;
    }
}
