using System.CommandLine;
using DreamTime.Cli.Commands.Prior;

namespace DreamTime.Cli.Commands;

/// <summary>
/// `dreamtime prior`: inspect the built-in prior (families, renders of members, posterior entropy against t) and
/// train, export and check a learned prior. Each subcommand lives in Commands/Prior/.
/// </summary>
public static class PriorCommand
{
    public static Command Create()
    {
        var cmd = new Command("prior", "Inspect the built-in prior: procedural scene families with a closed-form diffusion denoiser, " +
                                       "the posterior mean over their members (no downloaded weights).");
        cmd.Subcommands.Add(PriorListCommand.Create());
        cmd.Subcommands.Add(PriorRenderCommand.Create());
        cmd.Subcommands.Add(PriorEntropyCommand.Create());
        cmd.Subcommands.Add(PriorBenchCommand.Create());
        cmd.Subcommands.Add(PriorTrainCommand.Create());
        cmd.Subcommands.Add(PriorExportCommand.Create());
        cmd.Subcommands.Add(PriorCheckCommand.Create());
        cmd.Subcommands.Add(PriorHintsCommand.Create());
        return cmd;
    }
}
