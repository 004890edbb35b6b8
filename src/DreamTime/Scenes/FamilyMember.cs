namespace DreamTime.Scenes;

/// <summary>One scene of a family with its attribute values.</summary>
public sealed class FamilyMember
{
    public required string Family { get; init; }
    /// <summary>Index within the family.</summary>
    public required int Index { get; init; }
    /// <summary>Index among all members of all families (the library's order).</summary>
    public int GlobalIndex { get; internal set; }
    /// <summary>Slot name -> canonical value.</summary>
    public required IReadOnlyDictionary<string, string> Attributes { get; init; }
    public required PriorScene Scene { get; init; }
    /// <summary>Readable name, e.g. "mushroom #7 (red cap, spots, tall)".</summary>
    public required string Name { get; init; }

    public override string ToString() => Name;
}
