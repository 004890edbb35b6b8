using DreamTime.LearnedPrior;
using DreamTime.Scenes;
using Xunit;

namespace DreamTime.Tests.LearnedPrior;

public class LearnedPriorDataTests
{
    [Fact]
    public void ExamplesAreAFunctionOfSeedAndIndex()
    {
        var a = new PriorTrainingData(seed: 5, size: 8);
        var b = new PriorTrainingData(seed: 5, size: 8);
        var other = new PriorTrainingData(seed: 6, size: 8);
        foreach (int i in new[] { 0, 7, 123 })
        {
            // b visits the indices in another order: nothing may carry over from earlier draws
            var eb = b.Example(i);
            var ea = a.Example(i);
            Assert.Equal(ea.Caption, eb.Caption);
            Assert.Equal(ea.Camera, eb.Camera);
            Assert.Equal(ea.Rgb, eb.Rgb);
        }
        Assert.NotEqual(a.Example(3).Rgb, other.Example(3).Rgb);
    }

    [Fact]
    public void EveryRoundHoldsEveryFamilyOnce()
    {
        var data = new PriorTrainingData(seed: 1, size: 8);
        int f = data.Families.Count;
        Assert.Equal(11, f);
        for (int round = 0; round < 5; round++)
        {
            var names = Enumerable.Range(round * f, f).Select(i => data.FamilyOf(i).Name).OrderBy(n => n);
            Assert.Equal(data.Families.Select(x => x.Name).OrderBy(n => n), names);
        }
        // the order within a round is shuffled, so batches of fewer than F examples still see varied families
        Assert.NotEqual(Enumerable.Range(0, f).Select(i => data.FamilyOf(i).Name),
            Enumerable.Range(f, f).Select(i => data.FamilyOf(i).Name));
    }

    [Fact]
    public void CaptionsParseBackToTheFamilyAndItsAttributesAndFitTheContext()
    {
        var dir = Directory.CreateTempSubdirectory("dt-tok-").FullName;
        try
        {
            var tokenizer = LearnedPriorTokenizer.WriteAndLoad(dir);
            Assert.Equal(LearnedPriorTokenizer.ContextLength, tokenizer.MaxLength);
            var data = new PriorTrainingData(seed: 2, size: 8, tokenizer: tokenizer);
            int empty = 0, n = 330;
            var views = new HashSet<string>();
            for (int i = 0; i < n; i++)
            {
                var e = data.Example(i);
                if (e.Caption == "") { empty++; continue; }
                Assert.True(tokenizer.Encode(e.Caption).Length <= tokenizer.MaxLength, e.Caption);
                Assert.EndsWith($", {e.Camera.ViewName()} view", e.Caption);
                views.Add(e.Camera.ViewName());
                var sel = PromptParser.Parse(PriorLibrary.Default, e.Caption);
                Assert.Equal(e.Family, sel.Family?.Name);
                foreach (var (slot, values) in sel.Filters)
                    Assert.True(values.Contains(e.Attributes[slot]), $"{e.Caption}: {slot} should be {e.Attributes[slot]}");
            }
            Assert.InRange(empty, n * 0.04, n * 0.18);
            // the trainer's cameras reach 60 degrees of elevation, where "overhead" only begins (DreamFusion's rule)
            Assert.Equal(new[] { "back", "front", "side" }, views.OrderBy(v => v));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void EveryAttributeCombinationHasACaptionThatFitsUnshortened()
    {
        // the longest caption names every attribute; if one combination overflowed, training would lose attributes
        var dir = Directory.CreateTempSubdirectory("dt-tok-").FullName;
        try
        {
            var tokenizer = LearnedPriorTokenizer.WriteAndLoad(dir);
            foreach (var f in PriorLibrary.Default.Families)
                foreach (var m in f.Members)
                {
                    var caption = PriorTrainingData.Caption(f, m.Attributes, f.Slots.Select(s => s.Name), "overhead");
                    Assert.True(tokenizer.Encode(caption).Length <= tokenizer.MaxLength, caption);
                    var sel = PromptParser.Parse(PriorLibrary.Default, caption);
                    Assert.Contains(m, sel.Members);
                }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void FreshDrawsKeepTheAttributesButVaryTheShape()
    {
        var family = PriorLibrary.Default.FindFamily("mushroom")!;
        var attrs = family.Members[0].Attributes;
        var a = family.Build(attrs, new Random(1));
        var b = family.Build(attrs, new Random(2));
        Assert.True(a.Primitives.Count == b.Primitives.Count || attrs["spots"] == "spots");
        Assert.NotEqual(a.Primitives[0].Center, b.Primitives[0].Center);
        Assert.Throws<ArgumentException>(() => family.Build(new Dictionary<string, string>(), new Random(1)));
    }

    /// <summary>Per-image channel means of 150 examples (two batches inside), averaged and spread here pixel by pixel.</summary>
    [Fact]
    public void ChannelStatisticsAreThoseOfTheExamplesChannelMeans()
    {
        var data = new PriorTrainingData(seed: 4, size: 8);
        var (mean, std) = data.ChannelStatistics(150);
        var perImage = Enumerable.Range(0, 150).Select(i =>
        {
            var rgb = data.Example(i).Rgb; // [H, W, 3] in [0, 1]
            return Enumerable.Range(0, 3).Select(c => Enumerable.Range(0, 64).Average(p => 2.0 * rgb[3 * p + c] - 1)).ToArray();
        }).ToList();
        for (int c = 0; c < 3; c++)
        {
            double m = perImage.Average(v => v[c]);
            double s = Math.Sqrt(perImage.Sum(v => (v[c] - m) * (v[c] - m)) / 149);
            Assert.True(Math.Abs(mean[c] - m) < 1e-6, $"channel {c}: mean {mean[c]} vs {m}");
            Assert.True(Math.Abs(std[c] - s) < 1e-6, $"channel {c}: std {std[c]} vs {s}");
            Assert.True(s > 0.01, "renders differ, so their channel means must spread");
        }
    }
}
