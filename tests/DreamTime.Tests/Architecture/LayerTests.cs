using System.Reflection;
using NetArchTest.Rules;
using Xunit;

namespace DreamTime.Tests.Architecture;

/// <summary>
/// Holds docs/ARCHITECTURE.md's layer table: each folder of the library (a namespace under DreamTime) may depend
/// only on the folders its row names, so data flows one way and no two folders depend on each other.
/// </summary>
public class LayerTests
{
    /// <summary>The table of docs/ARCHITECTURE.md, as folder -> folders it may use.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Layers = new Dictionary<string, string[]>
    {
        ["Runtime"] = [],
        ["IO"] = ["Runtime"],
        ["Imaging"] = ["Runtime"],
        ["Geometry"] = ["Runtime", "Imaging"],
        ["Diffusion"] = ["Runtime", "IO", "Imaging"],
        ["Rendering"] = ["Runtime", "Imaging", "Geometry"],
        ["Scenes"] = ["Runtime", "Imaging", "Geometry", "Rendering"],
        ["Evaluation"] = ["Runtime", "Imaging", "Geometry", "Rendering", "Scenes"],
        ["Optimization"] = ["Runtime", "IO"],
        ["Models"] = ["Runtime", "IO", "Imaging", "Diffusion"],
        ["Representations"] = ["Runtime", "IO", "Imaging", "Geometry", "Rendering", "Optimization"],
        ["Guidance"] = ["Runtime", "IO", "Imaging", "Geometry", "Diffusion", "Rendering", "Scenes", "Evaluation", "Optimization", "Models"],
        ["Configuration"] = ["Runtime", "IO", "Imaging", "Geometry", "Diffusion", "Rendering", "Scenes", "Evaluation", "Optimization", "Models",
                             "Representations", "Guidance"],
        ["Training"] = ["Runtime", "IO", "Imaging", "Geometry", "Diffusion", "Rendering", "Scenes", "Evaluation", "Optimization", "Models",
                        "Representations", "Guidance", "Configuration"],
        ["LearnedPrior"] = ["Runtime", "IO", "Imaging", "Geometry", "Diffusion", "Rendering", "Scenes", "Evaluation", "Optimization", "Models",
                            "Representations", "Guidance", "Configuration", "Training"],
    };

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
    public void TheTableHasNoCycles()
    {
        // a folder may only use folders listed before it, so the table's order is a topological order
        var order = Layers.Keys.ToList();
        foreach (var (folder, uses) in Layers)
            foreach (var used in uses)
                Assert.True(order.IndexOf(used) < order.IndexOf(folder), $"{folder} uses {used}, which comes after it");
    }

    [Fact]
    public void TheLibraryNeverUsesTheStudiesOrTheCli()
    {
        var names = Library.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain("DreamTime.Studies", names);
        Assert.DoesNotContain("DreamTime.Cli", names);
    }
}
