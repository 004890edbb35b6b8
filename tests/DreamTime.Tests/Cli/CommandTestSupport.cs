using System.CommandLine;
using Xunit;

namespace DreamTime.Tests.Cli;

/// <summary>Runs one CLI command in-process for a test, with its own output writers (no global Console redirection).</summary>
internal static class CommandTestSupport
{
    /// <summary>
    /// `NAME args...` under a bare root: the arguments must parse, and exceptions propagate (a UserError reaches the
    /// test as itself instead of the one-line message the program would print).
    /// </summary>
    public static (int Exit, string Out, string Err) Invoke(Command command, params string[] args)
    {
        var root = new RootCommand("test");
        root.Subcommands.Add(command);
        var parse = root.Parse([command.Name, .. args]);
        Assert.Empty(parse.Errors);
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        return (exit, output.ToString(), error.ToString());
    }
}
