using System.Reflection;
using System.Text.RegularExpressions;
using NetArchTest.Rules;
using Xunit;

namespace DreamTime.Tests.Architecture;

/// <summary>
/// Holds docs/ARCHITECTURE.md's layer table: each folder of the library (a namespace under DreamTime) may depend
/// only on the folders its row names, so data flows one way and no two folders depend on each other.
/// </summary>
public class LayerTests
{
    /// <summary>The layer table of docs/ARCHITECTURE.md, in its order, as folder -> folders it may use.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Layers = ReadLayerTable();

    private static Dictionary<string, string[]> ReadLayerTable()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "DreamTime.slnx"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var table = new Dictionary<string, string[]>();
        // rows look like: | `Folder/` | what lives there | A, B, C |   (or "-" for none)
        var row = new Regex(@"^\| `(\w+)/` \|.*\| ([\w, -]+) \|$");
        foreach (var line in File.ReadLines(Path.Combine(dir!.FullName, "docs", "ARCHITECTURE.md")))
            if (row.Match(line) is { Success: true } m)
                table.Add(m.Groups[1].Value, m.Groups[2].Value.Trim() == "-" ? []
                    : m.Groups[2].Value.Split(',', StringSplitOptions.TrimEntries));
        Assert.True(table.Count > 5, "docs/ARCHITECTURE.md: no layer table found");
        return table;
    }

    private static readonly Assembly Library = typeof(DreamTime.Runtime.UserError).Assembly;

    public static TheoryData<string> Folders() => new(Layers.Keys);

    [Theory]
    [MemberData(nameof(Folders))]
    public void AFolderUsesOnlyTheFoldersItsRowNames(string folder)
    {
        var forbidden = Layers.Keys.Where(f => f != folder && !Layers[folder].Contains(f)).Select(f => "DreamTime." + f).ToArray();
        var result = Types.InAssembly(Library).That().ResideInNamespace("DreamTime." + folder)
            .ShouldNot().HaveDependencyOnAny(forbidden).GetResult();
        Assert.True(result.IsSuccessful,
            $"{folder} may use only {string.Join(", ", Layers[folder])}; these types use another folder: " +
            string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void EveryFolderOfTheLibraryHasARow()
    {
        var folders = Library.GetTypes().Select(t => t.Namespace).OfType<string>().Where(n => n.StartsWith("DreamTime."))
            .Select(n => n.Split('.')[1]).Distinct().Order().ToList();
        Assert.Equal(Layers.Keys.Order().ToList(), folders);
    }

    [Fact]
    public void TheTableNamesOnlyItsOwnFolders()
    {
        foreach (var (folder, uses) in Layers)
            Assert.All(uses, u => Assert.True(Layers.ContainsKey(u), $"{folder} names {u}, which has no row"));
    }

    [Fact]
    public void TheTableHasNoCycles()
    {
        // a folder may only use folders listed before it, so the table's order is a topological order
        var order = Layers.Keys.ToList();
        foreach (var (folder, uses) in Layers)
            foreach (var used in uses)
                Assert.True(order.IndexOf(used) < order.IndexOf(folder), $"{folder} uses {used}, which comes after it");
    }

    [Fact]
    public void TheLibraryNeverUsesTheStudiesTheServerOrTheCli()
    {
        var names = Library.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("DreamTime.Studies", names);
        Assert.DoesNotContain("DreamTime.Cli", names);
        Assert.DoesNotContain("DreamTime.Server", names);
        Assert.DoesNotContain("Microsoft.AspNetCore", names.Select(n => n!.Split('.').Take(2).Aggregate((a, b) => a + "." + b)));
        // the web app builds on the library alone
        var server = typeof(DreamTime.Server.ServerApp).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("DreamTime.Studies", server);
        Assert.DoesNotContain("DreamTime.Cli", server);
    }
}
