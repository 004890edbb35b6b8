using System.CommandLine;
using DreamTime.Cli;
using DreamTime.Cli.Commands;
using Xunit;

namespace DreamTime.Tests.Cli;

public class ScheduleCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-schedule-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Err) Run(params string[] args)
    {
        var root = new RootCommand { ScheduleCommand.Create() };
        var err = new StringWriter();
        int code = CliHost.Run(root, args, err);
        return (code, err.ToString());
    }

    [Fact]
    public void WritesCsvWithOneRowPerIteration()
    {
        var csv = Path.Combine(_dir, "s.csv");
        var (code, err) = Run("schedule", "--strategy", "tp-sds", "--iterations", "50", "--csv", csv);
        Assert.True(code == 0, err);
        var lines = File.ReadAllLines(csv);
        Assert.Equal("iteration,t", lines[0]);
        Assert.Equal(51, lines.Length);
        Assert.Equal("1,", lines[1][..2]);
        Assert.Equal("50,20", lines[50]);
    }

    [Theory]
    [InlineData("--strategy", "nope", "strategy (--strategy): nope: unknown")]
    [InlineData("--t-min", "990", "t_min (--t-min): is 990;")]
    [InlineData("--t-max", "1000", "t_max (--t-max): is 1000;")]
    [InlineData("--iterations", "0", "iterations (--iterations): is 0;")]
    [InlineData("--iterations", "-3", "iterations (--iterations): is -3;")]
    [InlineData("--m2", "900", "m2 (--m2): is 900;")]
    [InlineData("--s1", "0", "s1 (--s1): is 0;")]
    [InlineData("--s2", "-1", "s2 (--s2): is -1;")]
    [InlineData("--iterations", "ten", "ten")]
    public void BadInputIsOneLineExitTwoNothingWritten(string option, string value, string expected)
    {
        var csv = Path.Combine(_dir, "s.csv");
        var (code, err) = Run("schedule", option, value, "--csv", csv);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.DoesNotContain("   at ", err);
        Assert.False(File.Exists(csv));
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void UnwritableOutputPathIsAUserError()
    {
        var blocker = Path.Combine(_dir, "file");
        File.WriteAllText(blocker, "x");
        var (code, err) = Run("schedule", "--csv", Path.Combine(blocker, "s.csv"));
        Assert.Equal(2, code);
        Assert.Contains("--csv", err);
    }
}
