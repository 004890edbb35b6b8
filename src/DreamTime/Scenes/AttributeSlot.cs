namespace DreamTime.Scenes;

/// <summary>A discrete attribute of a family ("cap colour") and its values.</summary>
public sealed record AttributeSlot(string Name, IReadOnlyList<AttributeValue> Values);
