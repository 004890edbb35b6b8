using DreamTime.Runtime;

namespace DreamTime.Scenes;

/// <summary>
/// Maps a prompt to a family and attribute filters. Lower-cases, treats punctuation and hyphens as spaces,
/// drops filler ("a", "photo of", "3d model of", view suffixes), finds the family noun and reads every other
/// word as an attribute phrase of that family (longest phrase first: "with spots" before "with"). Values of one
/// attribute are alternatives; different attributes must all hold. Every word must be understood: an unknown
/// word or an empty result is a UserError that lists what is known.
/// </summary>
public static class PromptParser
{
    private static readonly string[] Filler =
    {
        "a", "an", "the", "of", "and", "with", "in", "on", "some", "its", "their", "one of",
        "photo", "photograph", "picture", "image", "render", "rendering", "drawing", "model", "3d", "3d model", "dslr",
        "high quality", "highly detailed", "detailed", "realistic", "beautiful", "cute", "nice", "simple", "toy",
        "front view", "side view", "back view", "overhead view", "view",
    };

    public static PromptSelection Parse(PriorLibrary library, string? prompt)
    {
        prompt ??= "";
        var tokens = Tokenize(prompt);
        var filler = Filler.Select(Tokenize).ToList();

        var named = new List<SceneFamily>();
        for (int i = 0; i < tokens.Length; i++)
            foreach (var f in library.Families)
                if (f.Nouns.Any(n => MatchesAt(tokens, i, Tokenize(n)))) named.Add(f);
        named = named.Distinct().ToList();

        if (named.Count == 0)
        {
            int pos = 0;
            while (pos < tokens.Length && LongestMatch(tokens, pos, filler) is int len) pos += len;
            if (pos == tokens.Length)
                return new PromptSelection(prompt, null, new Dictionary<string, IReadOnlySet<string>>(), library.Members);
            throw new UserError($"prompt '{prompt}': names no known family; known families and their " +
                $"attributes: {library.DescribeFamilies()}");
        }
        if (named.Count > 1)
            throw new UserError($"prompt '{prompt}': names more than one family ({string.Join(", ", named.Select(f => f.Name))}); " +
                $"name one of: {string.Join(", ", library.Families.Select(f => f.Name))}");

        var family = named[0];
        var filters = new Dictionary<string, HashSet<string>>();
        var attributePhrases = family.Slots.SelectMany(s =>
            s.Values.SelectMany(v => v.Phrases.Select(p => (Slot: s.Name, v.Value, Tokens: Tokenize(p))))).ToList();
        var ignorable = family.Nouns.Concat(family.PartWords).Select(Tokenize).Concat(filler).ToList();

        for (int i = 0; i < tokens.Length;)
        {
            var best = attributePhrases.Where(p => MatchesAt(tokens, i, p.Tokens)).OrderByDescending(p => p.Tokens.Length).FirstOrDefault();
            int ignoreLen = LongestMatch(tokens, i, ignorable) ?? 0;
            if (best.Tokens != null && best.Tokens.Length >= ignoreLen)
            {
                if (!filters.TryGetValue(best.Slot, out var set)) filters[best.Slot] = set = new HashSet<string>();
                set.Add(best.Value);
                i += best.Tokens.Length;
            }
            else if (ignoreLen > 0) i += ignoreLen;
            else
            {
                var owners = library.Families
                    .Where(f => f != family && f.Slots.Any(s => s.Values.Any(v => v.Phrases.Any(p => MatchesAt(tokens, i, Tokenize(p))))))
                    .Select(f => f.Name).ToList();
                var what = owners.Count > 0
                    ? $"'{tokens[i]}' is not an attribute of {family.Name} (it is one of {string.Join(", ", owners)})"
                    : $"unknown word '{tokens[i]}'";
                throw new UserError($"prompt '{prompt}': {what}; {family.Name} attributes: {family.DescribeAttributes()}; " +
                    $"known families: {library.DescribeFamilies()}");
            }
        }

        var members = family.Members.Where(m => filters.All(f => f.Value.Contains(m.Attributes[f.Key]))).ToList();
        if (members.Count == 0)
            throw new UserError($"prompt '{prompt}': no {family.Name} " +
                $"has {string.Join(" and ", filters.Select(f => $"{f.Key} {string.Join("/", f.Value)}"))}; {family.Name} " +
                $"attributes: {family.DescribeAttributes()}; known families: {library.DescribeFamilies()}");
        return new PromptSelection(prompt, family, filters.ToDictionary(kv => kv.Key, kv => (IReadOnlySet<string>)kv.Value), members);
    }

    /// <summary>Lower-case words; anything but letters and digits separates words (so "two-tier" == "two tier").</summary>
    public static string[] Tokenize(string text) =>
        new string(text.ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : ' ').ToArray())
            .Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static bool MatchesAt(string[] tokens, int i, string[] phrase)
    {
        if (phrase.Length == 0 || i + phrase.Length > tokens.Length) return false;
        for (int j = 0; j < phrase.Length; j++) if (tokens[i + j] != phrase[j]) return false;
        return true;
    }

    private static int? LongestMatch(string[] tokens, int i, IEnumerable<string[]> phrases)
    {
        int best = 0;
        foreach (var p in phrases) if (p.Length > best && MatchesAt(tokens, i, p)) best = p.Length;
        return best > 0 ? best : null;
    }
}
