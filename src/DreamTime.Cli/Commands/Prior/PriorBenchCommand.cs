using System.CommandLine;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Scenes;
using DreamTime.Studies.Benchmarks;

namespace DreamTime.Cli.Commands.Prior;

/// <summary>`dreamtime prior bench`: times the analytic renderer (<see cref="PriorRenderBenchmark"/>).</summary>
public static class PriorBenchCommand
{
    public static Command Create()
    {
        var cmd = new Command("bench", "Time the analytic renderer: all members of each family (and of all families) for one camera.");
        var size = new Option<int>("--size") { Description = "Render side in pixels.", DefaultValueFactory = _ => 64 };
        var supersample = new Option<int>("--supersample")
        {
            Description = "Rays per pixel side.",
            DefaultValueFactory = _ => BuiltinPriorOptions.DefaultSupersample,
        };
        var repeats = new Option<int>("--repeats")
        {
            Description = "Timed repetitions (at different cameras); the median is printed.",
            DefaultValueFactory = _ => 5,
        };
        var k = PriorOptions.MembersPerFamily();
        var seed = PriorOptions.FamilySeed();
        foreach (var o in new Option[] { size, supersample, repeats, k, seed }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            var lib = new PriorLibrary(p.GetValue(k), p.GetValue(seed));
            var table = PriorRenderBenchmark.Run(lib, p.GetValue(size), p.GetValue(supersample), p.GetValue(repeats));
            p.InvocationConfiguration.Output.Write(table);
            return 0;
        });
        return cmd;
    }
}
