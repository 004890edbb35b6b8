using System.Numerics;
using DreamTime.Runtime;

namespace DreamTime.Scenes;

/// <summary>One value a discrete attribute can take, the prompt phrases that name it, and how a member's name shows it.</summary>
/// <param name="Value">Canonical value ("red", "spots").</param>
/// <param name="Label">Shown in member names ("red cap"); null for a default that goes unmentioned ("plain").</param>
/// <param name="Phrases">Prompt phrases naming this value ("with spots", "spotted"); hyphens count as spaces.</param>
public sealed record AttributeValue(string Value, string? Label, IReadOnlyList<string> Phrases);

/// <summary>A discrete attribute of a family ("cap colour") and its values.</summary>
public sealed record AttributeSlot(string Name, IReadOnlyList<AttributeValue> Values);

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
                Family = name, Index = k, Attributes = attrs, Scene = scene,
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
                throw new ArgumentException($"{Name}: attribute '{slot.Name}' needs one of {string.Join("|", slot.Values.Select(x => x.Value))}", nameof(attributes));
        var b = new SceneBuilder();
        _build(rng, attributes, b);
        return b.Build();
    }

    /// <summary>"cap colour: red|brown; spots: spots|plain" — for listings and error messages.</summary>
    public string DescribeAttributes() =>
        Slots.Count == 0 ? "(no attributes)" : string.Join("; ", Slots.Select(s => $"{s.Name}: {string.Join("|", s.Values.Select(v => v.Phrases[0]))}"));

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

/// <summary>Named albedo colours shared by the families.</summary>
internal static class Palette
{
    public static readonly Dictionary<string, Vector3> Colours = new()
    {
        ["red"] = new(0.82f, 0.12f, 0.10f),
        ["blue"] = new(0.15f, 0.32f, 0.85f),
        ["green"] = new(0.18f, 0.62f, 0.20f),
        ["yellow"] = new(0.95f, 0.80f, 0.12f),
        ["white"] = new(0.86f, 0.86f, 0.84f),
        ["brown"] = new(0.48f, 0.28f, 0.13f),
        ["purple"] = new(0.52f, 0.20f, 0.68f),
        ["orange"] = new(0.95f, 0.48f, 0.08f),
        ["pink"] = new(0.95f, 0.55f, 0.72f),
        ["grey"] = new(0.55f, 0.56f, 0.60f),
        ["black"] = new(0.07f, 0.07f, 0.08f),
    };

    public static Vector3 Of(string name) => Colours[name];
    public static readonly Vector3 Cream = new(0.93f, 0.88f, 0.76f);
    public static readonly Vector3 Snow = new(0.90f, 0.92f, 0.95f);
    public static readonly Vector3 Wood = new(0.42f, 0.25f, 0.12f);
    public static readonly Vector3 DarkWood = new(0.30f, 0.17f, 0.08f);
    public static readonly Vector3 Glass = new(0.35f, 0.55f, 0.75f);
    public static readonly Vector3 Tyre = new(0.10f, 0.10f, 0.11f);
    public static readonly Vector3 Metal = new(0.62f, 0.63f, 0.66f);
    public static readonly Vector3 Glow = new(0.30f, 0.95f, 0.95f);

    /// <summary>Slight per-member variation of a colour, so members of one colour still differ.</summary>
    public static Vector3 Jitter(Vector3 c, Random rng, float amount = 0.05f) =>
        Vector3.Clamp(c * (1 + amount * (2 * (float)rng.NextDouble() - 1)), Vector3.Zero, Vector3.One);
}
