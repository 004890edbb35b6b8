using System.CommandLine;
using DreamTime.Cli;
using DreamTime.Cli.Commands;
using DreamTime.Runtime;
using Xunit;

namespace DreamTime.Tests.LearnedPrior;

public class PriorTrainCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-train-cli-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var root = new RootCommand { PriorCommand.Create() };
        var err = new StringWriter();
        var output = new StringWriter();
        var parse = root.Parse(args);
        int code;
        if (parse.Errors.Count > 0) code = CliHost.Run(root, args, err);
        else
        {
            try
            {
                code = parse.Invoke(new InvocationConfiguration { Output = output, Error = err, EnableDefaultExceptionHandler = false });
            }
            catch (UserError e)
            {
                err.WriteLine($"error: {KeyFlags.Describe(e, parse.CommandResult.Command)}");
                code = CliHost.UserErrorExit;
            }
        }
        return (code, output.ToString(), err.ToString());
    }

    [Fact]
    public void ExistingFolderIsRefusedWithoutOverwriteAndLeftAlone()
    {
        var out1 = Path.Combine(_dir, "run");
        Directory.CreateDirectory(out1);
        File.WriteAllText(Path.Combine(out1, "keep.txt"), "mine");
        var (code, _, err) = Run("prior", "train", "--out", out1, "--steps", "1");
        Assert.Equal(2, code);
        Assert.Contains("not empty", err);
        Assert.Contains("overwriting", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Equal(new[] { "keep.txt" }, Directory.GetFileSystemEntries(out1).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData("--channels", "32,abc", "not a whole number")]
    [InlineData("--channels", "32,60", "multiple of 8")]
    [InlineData("--channels", "32", "2 to 5")]
    [InlineData("--steps", "0", "at least 1")]
    [InlineData("--batch-size", "0", "batch_size (--batch-size): is 0;")]
    [InlineData("--lr", "-1", "learning_rate (--lr): is -1;")]
    [InlineData("--device", "tpu", "unknown device")]
    public void BadInputIsOneLineExitTwoAndWritesNothing(string option, string value, string expected)
    {
        var out1 = Path.Combine(_dir, "run");
        var (code, _, err) = Run("prior", "train", "--out", out1, option, value);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(Directory.Exists(out1));
    }

    [Fact]
    public void ResumeRefusesOptionsItWouldIgnore()
    {
        var (code, _, err) = Run("prior", "train", "--resume", _dir, "--lr", "0.1");
        Assert.Equal(2, code);
        Assert.Contains("--lr", err);
    }

    [Fact]
    public void HelpDescribesEveryOption()
    {
        var cmd = PriorCommand.Create().Subcommands.Single(c => c.Name == "train");
        foreach (var name in new[] { "--out", "--steps", "--batch-size", "--lr", "--channels", "--seed", "--checkpoint-every", "--resume",
            "--overwrite", "--device" })
            Assert.False(string.IsNullOrWhiteSpace(cmd.Options.Single(o => o.Name == name).Description), name);
    }
}
