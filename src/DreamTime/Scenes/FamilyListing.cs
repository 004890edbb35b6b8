namespace DreamTime.Scenes;

/// <summary>`prior list`: the families, their attributes (the words a prompt can use) and member counts, as text.</summary>
public static class FamilyListing
{
    /// <summary>One line per family and one per attribute slot (values, phrases, member counts), then the total.</summary>
    public static string Format(PriorLibrary lib)
    {
        var output = new StringWriter();
        foreach (var f in lib.Families)
        {
            output.WriteLine($"{f.Name} ({f.Members.Count} members; nouns: {string.Join(", ", f.Nouns)})");
            foreach (var s in f.Slots)
            {
                var values = s.Values.Select(v =>
                    $"{v.Value} [{string.Join(", ", v.Phrases.Select(ph => $"\"{ph}\""))}] " +
                    $"x{f.Members.Count(m => m.Attributes[s.Name] == v.Value)}");
                output.WriteLine($"  {s.Name}: {string.Join("; ", values)}");
            }
        }
        output.WriteLine($"{lib.Members.Count} members in all; the empty prompt selects all of them.");
        return output.ToString();
    }
}
