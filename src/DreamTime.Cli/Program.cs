using DreamTime.Cli;
using DreamTime.Cli.Commands;
using DreamTime.Runtime;

// Allocator settings must reach native code before libtorch allocates anything.
TorchRuntime.ConfigureAllocator();

return CliHost.Run(AllCommands.Root(), args);
