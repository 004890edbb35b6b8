using System.Text.RegularExpressions;
using Xunit;

namespace DreamTime.Tests.Architecture;

/// <summary>Namespaces match folders, and each source file holds one top-level type named like the file.</summary>
public class SourceLayoutTests
{
    private static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "DreamTime.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("DreamTime.slnx not found above " + AppContext.BaseDirectory);
    }

    public static TheoryData<string> Projects() =>
        new(["src/DreamTime", "src/DreamTime.Server", "src/DreamTime.Studies", "src/DreamTime.Cli", "tests/DreamTime.Tests"]);

    private static IEnumerable<string> Sources(string project) =>
        Directory.EnumerateFiles(Path.Combine(Root, project), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/") && !f.Contains("/bin/") && Path.GetFileName(f) != "Program.cs");

    // a type declared at the start of a line (top level in a file-scoped namespace)
    private static readonly Regex TopLevelType = new(
        @"^(?:public|internal|file)\s+(?:(?:sealed|static|abstract|readonly|partial|unsafe|ref)\s+)*" +
        @"(?:record\s+struct|record\s+class|record|class|struct|interface|enum)\s+([A-Z]\w*)",
        RegexOptions.Multiline);

    private static readonly Regex TopLevelDelegate = new(@"^(?:public|internal)\s+delegate\s.*\s([A-Z]\w*)(?:<[^>]*>)?\([^()]*\);",
        RegexOptions.Multiline);

    [Theory]
    [MemberData(nameof(Projects))]
    public void NamespacesMatchFolders(string project)
    {
        var rootNamespace = project.Split('/')[^1];
        var wrong = Sources(project).Select(f =>
        {
            var folder = Path.GetRelativePath(Path.Combine(Root, project), Path.GetDirectoryName(f)!);
            var expected = folder == "." ? rootNamespace : rootNamespace + "." + folder.Replace('/', '.');
            var declared = Regex.Match(File.ReadAllText(f), @"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline).Groups[1].Value;
            return declared == expected ? null : $"{Path.GetRelativePath(Root, f)}: namespace {declared}, expected {expected}";
        }).OfType<string>().ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void EachFileHoldsOneTypeNamedLikeIt(string project)
    {
        var wrong = Sources(project).Select(f =>
        {
            var text = File.ReadAllText(f);
            var types = TopLevelType.Matches(text).Concat(TopLevelDelegate.Matches(text)).Select(m => m.Groups[1].Value).ToList();
            var name = Path.GetFileNameWithoutExtension(f);
            return types.Count == 1 && types[0] == name ? null : $"{Path.GetRelativePath(Root, f)}: {string.Join(", ", types)}";
        }).OfType<string>().ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    /// <summary>.editorconfig's max_line_length, which dotnet format does not enforce by itself.</summary>
    [Theory]
    [MemberData(nameof(Projects))]
    public void NoLineIsLongerThan140Characters(string project)
    {
        var wrong = Sources(project).SelectMany(f => File.ReadLines(f).Select((line, i) => (f, line, i)))
            .Where(x => x.line.Length > 140)
            .Select(x => $"{Path.GetRelativePath(Root, x.f)}:{x.i + 1}: {x.line.Length} characters").ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
