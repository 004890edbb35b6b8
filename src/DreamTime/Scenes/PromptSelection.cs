namespace DreamTime.Scenes;

/// <summary>What a prompt selects: a family (null for the union of all) with attribute filters, and the members that pass.</summary>
public sealed record PromptSelection(string Prompt, SceneFamily? Family, IReadOnlyDictionary<string, IReadOnlySet<string>> Filters,
    IReadOnlyList<FamilyMember> Members)
{
    /// <summary>"mushroom [cap colour=red] (6 members)".</summary>
    public string Describe()
    {
        var name = Family?.Name ?? "all families";
        var filters = Filters.Count == 0
            ? ""
            : " [" + string.Join("; ", Filters.Select(kv => $"{kv.Key}={string.Join("|", kv.Value)}")) + "]";
        return $"{name}{filters} ({Members.Count} members)";
    }
}
