using System.CommandLine;
using System.Text.RegularExpressions;
using DreamTime.Cli.Commands;
using Xunit;

namespace DreamTime.Tests.Cli;

/// <summary>
/// Every command-line flag a message names (any string literal in the library, the studies or the CLI holding
/// `--name`) is an option of some command: a message must not send a user to a flag that does not exist.
/// </summary>
public class FlagsInMessagesTests
{
    private static readonly Regex StringLiteral = new(@"""(?:[^""\\\n]|\\.)*""", RegexOptions.Compiled);
    private static readonly Regex Flag = new(@"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*", RegexOptions.Compiled);

    /// <summary>The root command as Program.cs builds it.</summary>
    private static Command Root() => AllCommands.Root();

    /// <summary>Every option name and alias of <paramref name="command"/> and its subcommands.</summary>
    private static HashSet<string> OptionNames(Command command)
    {
        var names = new HashSet<string>();
        void Walk(Command c)
        {
            foreach (var o in c.Options)
            {
                names.Add(o.Name);
                foreach (var a in o.Aliases) names.Add(a);
            }
            foreach (var s in c.Subcommands) Walk(s);
        }
        Walk(command);
        return names;
    }

    /// <summary>The flags named in string literals of C# source lines (comment lines skipped), with where they are.</summary>
    internal static IEnumerable<(string Flag, string Where)> FlagsIn(string file, IEnumerable<string> lines)
    {
        int n = 0;
        foreach (var line in lines)
        {
            n++;
            if (line.TrimStart().StartsWith("//")) continue;
            foreach (Match literal in StringLiteral.Matches(line))
                foreach (Match flag in Flag.Matches(literal.Value))
                    yield return (flag.Value, $"{file}:{n}");
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DreamTime.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no DreamTime.slnx above {AppContext.BaseDirectory}");
    }

    private static List<(string Flag, string Where)> UnknownFlags(IEnumerable<(string Flag, string Where)> found)
    {
        var known = OptionNames(Root());
        return found.Where(f => !known.Contains(f.Flag)).ToList();
    }

    [Fact]
    public void EveryFlagAMessageNamesExists()
    {
        var root = RepositoryRoot();
        var found = new List<(string, string)>();
        foreach (var project in new[] { "src/DreamTime", "src/DreamTime.Studies", "src/DreamTime.Cli" })
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, project), "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file);
                if (relative.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj")) continue;
                found.AddRange(FlagsIn(relative, File.ReadLines(file)));
            }
        Assert.NotEmpty(found); // the scan sees the CLI's own flags
        var unknown = UnknownFlags(found);
        Assert.True(unknown.Count == 0, "flags no command has: " + string.Join("; ", unknown.Select(u => $"{u.Flag} ({u.Where})")));
    }

    [Fact]
    public void AMadeUpFlagIsFound()
    {
        var lines = new[]
        {
            """        throw new UserError($"--resolution {r}: bad; see --no-such-flag");""",
            """        // a comment naming "--also-not-a-flag" is not a message""",
            """        var x = "a -- b, --x-y-z-7";""",
        };
        var unknown = UnknownFlags(FlagsIn("Fake.cs", lines));
        Assert.Equal(new[] { ("--no-such-flag", "Fake.cs:1"), ("--x-y-z-7", "Fake.cs:3") }, unknown);
    }
}
