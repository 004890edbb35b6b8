using System.CommandLine;
using System.CommandLine.Help;
using DreamTime.Cli;
using DreamTime.Cli.Commands;
using DreamTime.Runtime;

// Allocator settings must reach native code before libtorch allocates anything.
TorchRuntime.ConfigureAllocator();

// Named as users type it (a RootCommand would take the name of the assembly, DreamTime.Cli).
var root = new Command("dreamtime", "DreamTime for .NET: text-to-3D by score distillation with time-prioritized timestep schedules " +
                                    "(TP-SDS).")
{
    new HelpOption(),
    new VersionOption(),
};
// Each command lives in Commands/<Name>Command.cs and is registered here.
root.Subcommands.Add(ScheduleCommand.Create());
root.Subcommands.Add(TokenizeCommand.Create());
root.Subcommands.Add(SampleCommand.Create());
root.Subcommands.Add(SampleViewsCommand.Create());
root.Subcommands.Add(PriorCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(FinetuneCommand.Create());
root.Subcommands.Add(BatchCommand.Create());
root.Subcommands.Add(CompareCommand.Create());
root.Subcommands.Add(BenchmarkCommand.Create());

return CliHost.Run(root, args);
