using System.CommandLine;
using DreamTime.Cli;
using Xunit;

namespace DreamTime.Tests.Cli;

public class CliHostTests
{
    private static (int Code, string Error) Run(Exception thrown)
    {
        var root = new RootCommand("test");
        var cmd = new Command("fail", "throws");
        cmd.SetAction((Func<ParseResult, int>)(_ => throw thrown));
        root.Subcommands.Add(cmd);
        var err = new StringWriter();
        return (CliHost.Run(root, ["fail"], err), err.ToString());
    }

    [Fact]
    public void AFileSystemFailureIsOneLineNamingThePathAndExitCode2()
    {
        // what .NET throws when a run folder is deleted while a checkpoint is written into it
        var (code, error) = Run(new DirectoryNotFoundException(
            "Could not find a part of the path '/tmp/gone/checkpoints/last/weights.tmp'."));
        Assert.Equal(CliHost.UserErrorExit, code);
        Assert.Equal("error: Could not find a part of the path '/tmp/gone/checkpoints/last/weights.tmp'.", error.TrimEnd());
        var (code2, error2) = Run(new UnauthorizedAccessException("Access to the path '/root/x' is denied."));
        Assert.Equal((CliHost.UserErrorExit, 1), (code2, error2.TrimEnd().Split('\n').Length));
    }

    [Fact]
    public void AnyOtherExceptionIsABugAndKeepsItsStackTrace()
    {
        Assert.Throws<InvalidOperationException>(() => Run(new InvalidOperationException("a bug")));
    }
}
