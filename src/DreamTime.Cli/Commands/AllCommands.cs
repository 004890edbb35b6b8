using System.CommandLine;
using System.CommandLine.Help;

namespace DreamTime.Cli.Commands;

/// <summary>The `dreamtime` root command with every command registered: what Program.cs runs and the CLI tests read.</summary>
public static class AllCommands
{
    public static Command Root()
    {
        // Named as users type it (a RootCommand would take the name of the assembly, DreamTime.Cli).
        var root = new Command("dreamtime", "DreamTime for .NET: text-to-3D by score distillation with time-prioritized timestep " +
                                            "schedules (TP-SDS).")
        {
            new HelpOption(),
            new VersionOption(),
        };
        // Each command lives in Commands/<Name>Command.cs and is registered here.
        foreach (var command in new[]
                 {
                     ScheduleCommand.Create(), TokenizeCommand.Create(), SampleCommand.Create(), SampleViewsCommand.Create(),
                     PriorCommand.Create(), GenerateCommand.Create(), FinetuneCommand.Create(), BatchCommand.Create(),
                     CompareCommand.Create(), BenchmarkCommand.Create(), ServeCommand.Create(),
                 })
            root.Subcommands.Add(command);
        return root;
    }
}
