using DreamTime.Runtime;
using DreamTime.Scenes;
using Xunit;

namespace DreamTime.Tests.Scenes;

public class BuiltinPriorParserTests
{
    private static readonly PriorLibrary Lib = new(24);

    [Fact]
    public void ColourWordFiltersTheFamily()
    {
        var s = Lib.Select("a red mushroom");
        Assert.Equal("mushroom", s.Family!.Name);
        Assert.Equal(new[] { "red" }, s.Filters["cap colour"]);
        Assert.NotEmpty(s.Members);
        Assert.All(s.Members, m => Assert.Equal("red", m.Attributes["cap colour"]));
        Assert.Equal(Lib.FindFamily("mushroom")!.Members.Count(m => m.Attributes["cap colour"] == "red"), s.Members.Count);
    }

    [Theory]
    [InlineData("A photo of a Two-Tier snowman with a hat!", "snowman", "tiers=two-tier", "hat=hat")]
    [InlineData("3d model of two tier SNOWMEN, without hat", "snowman", "tiers=two-tier", "hat=no hat")]
    [InlineData("the mushroom without spots", "mushroom", "spots=plain")]
    [InlineData("a spotted purple toadstool", "mushroom", "spots=spots", "cap colour=purple")]
    [InlineData("mushrooms", "mushroom")]
    [InlineData("a blue car, side view", "car", "colour=blue")]
    [InlineData("a gray robot with antenna", "robot", "colour=grey", "antenna=antenna")]
    [InlineData("a round table with four legs", "table", "top=round", "legs=four legs")]
    [InlineData("a red or blue chair", null, null)]
    public void ParsesFamiliesAndAttributes(string prompt, string? family, params string?[] filters)
    {
        if (family == null)
        {
            // "or" is not a word the parser knows
            var e = Assert.Throws<UserError>(() => Lib.Select(prompt));
            Assert.Contains("unknown word 'or'", e.Message);
            return;
        }
        var s = Lib.Select(prompt);
        Assert.Equal(family, s.Family!.Name);
        var expected = filters.Where(f => f != null).Select(f => f!.Split('=')).ToList();
        Assert.Equal(expected.Count, s.Filters.Count);
        foreach (var kv in expected)
        {
            Assert.Contains(kv[1], s.Filters[kv[0]]);
            Assert.All(s.Members, m => Assert.Equal(kv[1], m.Attributes[kv[0]]));
        }
    }

    [Fact]
    public void ValuesOfOneAttributeAreAlternatives()
    {
        var s = Lib.Select("red blue chair");
        Assert.Equal(2, s.Filters["colour"].Count);
        Assert.All(s.Members, m => Assert.Contains(m.Attributes["colour"], new[] { "red", "blue" }));
        Assert.Contains(s.Members, m => m.Attributes["colour"] == "red");
        Assert.Contains(s.Members, m => m.Attributes["colour"] == "blue");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("a photo of")]
    public void EmptyPromptSelectsEveryFamily(string prompt)
    {
        var s = Lib.Select(prompt);
        Assert.Null(s.Family);
        Assert.Equal(Lib.Members.Count, s.Members.Count);
        Assert.Equal(Lib.Families.Count * 24, s.Members.Count);
    }

    [Fact]
    public void UnknownPromptListsFamiliesAndAttributes()
    {
        var e = Assert.Throws<UserError>(() => Lib.Select("a dragon"));
        Assert.Contains("names no known family", e.Message);
        foreach (var f in Lib.Families) Assert.Contains(f.Name, e.Message);
        Assert.Contains("cap colour: red|brown", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void AttributeOfAnotherFamilyIsRejected()
    {
        var e = Assert.Throws<UserError>(() => Lib.Select("a two-tier mushroom"));
        Assert.Contains("'two' is not an attribute of mushroom", e.Message);
        Assert.Contains("snowman", e.Message);
        Assert.Contains("spots: with spots|plain", e.Message);
        var blue = Assert.Throws<UserError>(() => Lib.Select("a blue mushroom"));
        Assert.Contains("'blue' is not an attribute of mushroom", blue.Message);
    }

    [Fact]
    public void FilterWithNoMemberIsRejected()
    {
        // with one member per family, some value of every attribute is missing
        var tiny = new PriorLibrary(1);
        var mushroom = tiny.FindFamily("mushroom")!;
        var colour = mushroom.Members[0].Attributes["cap colour"];
        var other = mushroom.Slots.First(s => s.Name == "cap colour").Values.First(v => v.Value != colour).Value;
        var e = Assert.Throws<UserError>(() => tiny.Select($"a {other} mushroom"));
        Assert.Contains($"no mushroom has cap colour {other}", e.Message);
        Assert.Contains("known families", e.Message);
    }

    [Fact]
    public void TwoFamiliesAreRejected()
    {
        var e = Assert.Throws<UserError>(() => Lib.Select("a mushroom on a table"));
        Assert.Contains("more than one family", e.Message);
    }

    [Fact]
    public void PhrasesAreUnambiguousWithinEachFamily()
    {
        foreach (var f in Lib.Families)
        {
            var phrases = f.Slots.SelectMany(s =>
                s.Values.SelectMany(v => v.Phrases.Select(p => string.Join(" ", PromptParser.Tokenize(p))))).ToList();
            Assert.Equal(phrases.Count, phrases.Distinct().Count());
        }
    }

    [Fact]
    public void MemberNamesShowTheirAttributes()
    {
        var m = Lib.FindFamily("mushroom")!.Members[7];
        Assert.StartsWith("mushroom #7 (", m.Name);
        Assert.Contains($"{m.Attributes["cap colour"]} cap", m.Name);
        Assert.Equal(m.Attributes["spots"] == "spots", m.Name.Contains("spots"));
    }
}
