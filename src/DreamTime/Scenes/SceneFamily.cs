using DreamTime.Runtime;

namespace DreamTime.Scenes;

/// <summary>
/// A seeded procedural generator of small scenes: a noun (with synonyms and plurals), discrete attribute slots
/// and a builder that turns (attributes, random numbers) into primitives. Members enumerate the attribute
/// combinations in a seeded order, so every value appears once K reaches the number of combinations.
/// </summary>
public sealed class SceneFamily
{
    public string Name { get; }
    /// <summary>Words naming the family, singular and plural.</summary>
    public IReadOnlyList<string> Nouns { get; }
    /// <summary>Words naming parts ("cap", "stem"): allowed in prompts, they filter nothing.</summary>
    public IReadOnlyList<string> PartWords { get; }
    public IReadOnlyList<AttributeSlot> Slots { get; }
    public IReadOnlyList<FamilyMember> Members { get; }

    private readonly Action<Random, IReadOnlyDictionary<string, string>, SceneBuilder> _build;

    internal SceneFamily(string name, string[] nouns, string[] partWords, AttributeSlot[] slots,
                         Action<Random, IReadOnlyDictionary<string, string>, SceneBuilder> build, int memberCount, int seed)
    {
        if (memberCount < 1) throw new UserError($"members per family {memberCount}: must be at least 1");
        Name = name; Nouns = nouns; PartWords = partWords; Slots = slots;
        _build = build;
        var combos = Combinations(slots);
        var members = new List<FamilyMember>(memberCount);
        var order = new Random(Seeds.Mix(seed, StableHash(name), 1));
        var shuffled = new List<Dictionary<string, string>>();
        for (int k = 0; k < memberCount; k++)
        {
            // each pass through the combinations is freshly shuffled so that K < #combos still covers every value often
            if (k % combos.Count == 0) shuffled = combos.OrderBy(_ => order.Next()).ToList();
            var attrs = shuffled[k % combos.Count];
            var scene = Build(attrs, new Random(Seeds.Mix(seed, StableHash(name), 1000 + k)));
            var labels = slots.Select(s => s.Values.First(v => v.Value == attrs[s.Name]).Label).Where(l => l != null);
            members.Add(new FamilyMember
            {
                Family = name,
                Index = k,
                Attributes = attrs,
                Scene = scene,
                Name = $"{name} #{k} ({string.Join(", ", labels)})",
            });
        }
        Members = members;
    }

    /// <summary>
    /// A fresh scene of this family with the given attribute values: the generator's continuous draws (sizes,
    /// proportions, colour shades) come from <paramref name="rng"/>, so every draw is a new shape with those
    /// attributes. Members are built this same way, from seeds of their own.
    /// </summary>
    public PriorScene Build(IReadOnlyDictionary<string, string> attributes, Random rng)
    {
        foreach (var slot in Slots)
            if (!attributes.TryGetValue(slot.Name, out var v) || slot.Values.All(x => x.Value != v))
                throw new ArgumentException($"{Name}: attribute '{slot.Name}' needs one " +
                    $"of {string.Join("|", slot.Values.Select(x => x.Value))}", nameof(attributes));
        var b = new SceneBuilder();
        _build(rng, attributes, b);
        return b.Build();
    }

    /// <summary>"cap colour: red|brown; spots: spots|plain" — for listings and error messages.</summary>
    public string DescribeAttributes() =>
        Slots.Count == 0 ? "(no attributes)"
            : string.Join("; ", Slots.Select(s => $"{s.Name}: {string.Join("|", s.Values.Select(v => v.Phrases[0]))}"));

    private static List<Dictionary<string, string>> Combinations(AttributeSlot[] slots)
    {
        var result = new List<Dictionary<string, string>> { new() };
        foreach (var slot in slots)
            result = result.SelectMany(c => slot.Values.Select(v => new Dictionary<string, string>(c) { [slot.Name] = v.Value })).ToList();
        return result;
    }

    // string.GetHashCode is randomised per process; members must not be.
    private static int StableHash(string s)
    {
        int h = 17;
        foreach (char c in s) h = unchecked(h * 31 + c);
        return h;
    }
}
