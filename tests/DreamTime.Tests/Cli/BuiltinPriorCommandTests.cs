using System.CommandLine;
using DreamTime.Cli;
using DreamTime.Cli.Commands;
using SkiaSharp;
using Xunit;

namespace DreamTime.Tests.Cli;

public class BuiltinPriorCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-prior-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var root = new RootCommand { PriorCommand.Create() };
        var err = new StringWriter();
        var parse = root.Parse(args);
        var output = new StringWriter();
        // route the command's output away from the shared console
        var config = new InvocationConfiguration { Output = output, EnableDefaultExceptionHandler = false };
        int code;
        if (parse.Errors.Count > 0) code = CliHost.Run(root, args, err);
        else
        {
            try { code = parse.Invoke(config); }
            catch (DreamTime.Runtime.UserError e)
            {
                err.WriteLine($"error: {KeyFlags.Describe(e, parse.CommandResult.Command)}");
                code = CliHost.UserErrorExit;
            }
        }
        return (code, output.ToString(), err.ToString());
    }

    [Fact]
    public void ListPrintsEveryFamilyWithCounts()
    {
        var (code, output, err) = Run("prior", "list", "--members-per-family", "16");
        Assert.True(code == 0, err);
        foreach (var f in new[] { "mushroom (16 members", "snowman", "car", "robot", "cap colour", "\"with spots\"" })
            Assert.Contains(f, output);
    }

    [Fact]
    public void RenderWritesAGridOfMembersByViews()
    {
        var png = Path.Combine(_dir, "g.png");
        var (code, output, err) = Run("prior", "render", "a red mushroom", "--out", png, "--views", "3", "--members", "2", "--size", "20",
            "--supersample", "1");
        Assert.True(code == 0, err);
        using var bmp = SKBitmap.Decode(png);
        Assert.Equal(3 * 20 + 4 * 2, bmp.Width);
        Assert.Equal(2 * 20 + 3 * 2, bmp.Height);
        Assert.Contains("red cap", output);
        // the centre of the first tile is the object, not the white background
        var c = bmp.GetPixel(2 + 10, 2 + 10);
        Assert.True(c.Red + c.Green + c.Blue < 3 * 250);
    }

    [Theory]
    [InlineData("a dragon", "names no known family")]
    [InlineData("a purple car", "not an attribute of car")]
    public void UnknownPromptIsOneLineExitTwo(string prompt, string expected)
    {
        var png = Path.Combine(_dir, "g.png");
        var (code, _, err) = Run("prior", "render", prompt, "--out", png);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.Contains("mushroom (cap colour", err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.False(File.Exists(png));
    }

    [Theory]
    [InlineData("--views", "0")]
    [InlineData("--size", "4")]
    [InlineData("--supersample", "0")]
    public void BadOptionsAreUserErrors(string option, string value)
    {
        var png = Path.Combine(_dir, "g.png");
        var (code, _, err) = Run("prior", "render", "a car", "--out", png, option, value);
        Assert.Equal(2, code);
        Assert.Contains($"{option.TrimStart('-')} ({option}): is {value};", err);
        Assert.False(File.Exists(png));
    }
}
