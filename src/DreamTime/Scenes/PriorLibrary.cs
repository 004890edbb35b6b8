using DreamTime.Runtime;

namespace DreamTime.Scenes;

/// <summary>
/// All scene families of the built-in prior for one (members per family, seed): the data distribution the
/// exact denoiser models. Members are numbered globally in family order.
/// </summary>
public sealed class PriorLibrary
{
    public const int DefaultMembersPerFamily = 24;
    public const int DefaultSeed = 0;

    private static readonly Lazy<PriorLibrary> _default = new(() => new PriorLibrary());
    /// <summary>The library with the default size and seed (built once, shared).</summary>
    public static PriorLibrary Default => _default.Value;

    public int MembersPerFamily { get; }
    public int Seed { get; }
    public IReadOnlyList<SceneFamily> Families { get; }
    /// <summary>Every member of every family; Members[i].GlobalIndex == i.</summary>
    public IReadOnlyList<FamilyMember> Members { get; }

    public PriorLibrary(int membersPerFamily = DefaultMembersPerFamily, int seed = DefaultSeed)
    {
        if (membersPerFamily < 1 || membersPerFamily > 256)
            throw new UserError($"members per family {membersPerFamily}: must be between 1 and 256");
        MembersPerFamily = membersPerFamily;
        Seed = seed;
        Families = SceneFamilies.Create(membersPerFamily, seed);
        Members = Families.SelectMany(f => f.Members).ToList();
        for (int i = 0; i < Members.Count; i++) Members[i].GlobalIndex = i;
    }

    public SceneFamily? FindFamily(string name) => Families.FirstOrDefault(f => f.Name == name);

    /// <summary>The members a prompt names ("a red mushroom"); see PromptParser.</summary>
    public PromptSelection Select(string prompt) => PromptParser.Parse(this, prompt);

    /// <summary>"mushroom (cap colour: red|brown...; ...), snowman (...)" — one line, for error messages.</summary>
    public string DescribeFamilies() => string.Join(", ", Families.Select(f => $"{f.Name} ({f.DescribeAttributes()})"));
}
