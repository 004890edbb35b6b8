namespace DreamTime.Scenes;

/// <summary>One value a discrete attribute can take, the prompt phrases that name it, and how a member's name shows it.</summary>
/// <param name="Value">Canonical value ("red", "spots").</param>
/// <param name="Label">Shown in member names ("red cap"); null for a default that goes unmentioned ("plain").</param>
/// <param name="Phrases">Prompt phrases naming this value ("with spots", "spotted"); hyphens count as spaces.</param>
public sealed record AttributeValue(string Value, string? Label, IReadOnlyList<string> Phrases);
