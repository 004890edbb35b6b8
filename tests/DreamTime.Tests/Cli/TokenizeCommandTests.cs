using System.CommandLine;
using DreamTime.Cli.Commands;
using DreamTime.Runtime;
using Xunit;

namespace DreamTime.Tests.Cli;

public class TokenizeCommandTests
{
    /// <summary>Runs `tokenize` in-process with its own output writers (no global Console redirection).</summary>
    private static (int Exit, string Out, string Err) Run(params string[] args)
        => CommandTestSupport.Invoke(TokenizeCommand.Create(), args);

    [Fact]
    public void PrintsUnpaddedIdsAsOneJsonLine()
    {
        var (exit, output, error) = Run("--model", Fixtures.TinySd15, "A DSLR photo of a hamburger");
        Assert.Equal(0, exit);
        Assert.Equal("[49406,320,33740,1125,539,320,33928,49407]" + Environment.NewLine, output);
        Assert.Empty(error);
    }

    [Fact]
    public void PaddedPrintsTheReferencePipelineIds()
    {
        var (exit, output, error) = Run("--model", Fixtures.TinySd15, "--padded", "");
        Assert.Equal(0, exit);
        var ids = System.Text.Json.JsonSerializer.Deserialize<long[]>(output)!;
        Assert.Equal(77, ids.Length);
        Assert.Equal(new long[] { 49406 }.Concat(Enumerable.Repeat(49407L, 76)), ids);
        Assert.Empty(error);
    }

    [Fact]
    public void PaddedWarnsOnceWhenThePromptIsTruncated()
    {
        var prompt = string.Join(' ', Enumerable.Repeat("cat", 100));
        var (exit, output, error) = Run("--model", Fixtures.TinySd15, "--padded", prompt);
        Assert.Equal(0, exit);
        Assert.Equal(77, System.Text.Json.JsonSerializer.Deserialize<long[]>(output)!.Length);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("truncated", lines[0]);
        Assert.Contains("102", lines[0]);

        // Without --padded nothing is truncated, so there is nothing to warn about.
        var (_, full, quiet) = Run("--model", Fixtures.TinySd15, prompt);
        Assert.Equal(102, System.Text.Json.JsonSerializer.Deserialize<long[]>(full)!.Length);
        Assert.Empty(quiet);
    }

    [Fact]
    public void FoldersThatAreNoCheckpointAreUserErrorsNamingThePath()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dreamtime-tokcli-" + Guid.NewGuid().ToString("N"));
        Assert.Contains(dir, Assert.Throws<UserError>(() => Run("--model", dir, "x")).Message);
        Directory.CreateDirectory(dir);
        try
        {
            var noIndex = Assert.Throws<UserError>(() => Run("--model", dir, "x")).Message;
            Assert.Contains(dir, noIndex);
            Assert.Contains("model_index.json", noIndex);

            File.WriteAllText(Path.Combine(dir, "model_index.json"), "{}");
            var noTokenizer = Assert.Throws<UserError>(() => Run("--model", dir, "x")).Message;
            Assert.Contains(dir, noTokenizer);
            Assert.Contains("tokenizer", noTokenizer);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void ModelAndTextAreRequired()
    {
        var root = new RootCommand("test");
        root.Subcommands.Add(TokenizeCommand.Create());
        Assert.NotEmpty(root.Parse(["tokenize", "x"]).Errors);
        Assert.NotEmpty(root.Parse(["tokenize", "--model", Fixtures.TinySd15]).Errors);
        Assert.Empty(root.Parse(["tokenize", "--model", Fixtures.TinySd15, ""]).Errors);
    }

    [Fact]
    public void HelpDescribesEveryOption()
    {
        var root = new RootCommand("test");
        root.Subcommands.Add(TokenizeCommand.Create());
        var output = new StringWriter();
        root.Parse(["tokenize", "--help"]).Invoke(new InvocationConfiguration { Output = output });
        var help = output.ToString();
        Assert.Contains("--model", help);
        Assert.Contains("--padded", help);
        Assert.Contains("tokenizer/", help);
        Assert.Contains("77", help);
    }
}
