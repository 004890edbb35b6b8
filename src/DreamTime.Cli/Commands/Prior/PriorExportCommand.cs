using System.CommandLine;
using DreamTime.LearnedPrior;

namespace DreamTime.Cli.Commands.Prior;

/// <summary>`dreamtime prior export`: a learned-prior training's EMA model as a diffusers folder.</summary>
public static class PriorExportCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run")
        {
            Description = "A `prior train` folder (finished or not): its last checkpoint's EMA weights are exported.",
            Required = true,
            HelpName = "DIR",
        };
        var outDir = new Option<string>("--out")
        {
            Description = "The model folder to write (diffusers layout, no vae/).",
            Required = true,
            HelpName = "DIR",
        };
        var dtype = new Option<string?>("--dtype")
        {
            Description = "Weights as float16 (half the size, loads as float32) or float32; default: the training's model_dtype.",
            HelpName = "float16|float32",
        };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace --out if it exists." };
        var cmd = new Command("export", "Write the EMA model of a learned-prior training folder's last checkpoint as a diffusers " +
                                        "folder, with its training config.");
        foreach (var o in new Option[] { run, outDir, dtype, overwrite }) cmd.Options.Add(o);
        KeyFlags.Add(cmd, "model_dtype", dtype);
        cmd.SetAction(p =>
        {
            LearnedPriorTraining.Export(p.GetValue(run)!, p.GetValue(outDir)!, p.GetValue(overwrite), p.GetValue(dtype),
                new ProgressObserver(p.InvocationConfiguration.Error));
            return 0;
        });
        return cmd;
    }
}
