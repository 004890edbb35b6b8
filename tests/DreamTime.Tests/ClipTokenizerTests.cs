using System.Runtime.InteropServices;
using System.Text.Json;
using DreamTime.Models.Clip;
using DreamTime.Runtime;
using Xunit;

namespace DreamTime.Tests;

public class ClipTokenizerTests
{
    private static readonly Lazy<ClipTokenizer> Sd15 = new(() => ClipTokenizer.FromFolder(Sd15TokenizerDir));
    public static string Sd15TokenizerDir => Path.Combine(Fixtures.TinySd15, "tokenizer");

    private static JsonElement Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.Root, "clip_tokenizer_cases.json")));
        return doc.RootElement.Clone();
    }

    public static TheoryData<int> CaseIndices()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Cases().GetProperty("cases").GetArrayLength(); i++) data.Add(i);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void MatchesReferenceIds(int index)
    {
        var c = Cases().GetProperty("cases")[index];
        var text = c.GetProperty("text").GetString()!;
        var ids = c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var padded = c.GetProperty("ids_max77_padded").EnumerateArray().Select(e => e.GetInt64()).ToArray();

        Assert.Equal(ids, Sd15.Value.Encode(text));
        Assert.Equal(padded, Sd15.Value.EncodePadded(text, out bool truncated));
        Assert.Equal(ids.Length > 77, truncated);
    }

    [Fact]
    public void SpecialIdsAndLengthMatchTheFixtureHeader()
    {
        var header = Cases();
        var t = Sd15.Value;
        Assert.Equal(header.GetProperty("bos_token_id").GetInt32(), t.BosId);
        Assert.Equal(header.GetProperty("eos_token_id").GetInt32(), t.EosId);
        Assert.Equal(header.GetProperty("pad_token_id").GetInt32(), t.PadId);
        Assert.Equal(77, t.MaxLength);
        Assert.Equal(49408, t.VocabSize);
    }

    [Fact]
    public void MatchesTheInputIdsOfTheReferencePipeline()
    {
        var bytes = Fixtures.Sd15Outputs.ReadBytes("clip_input_ids");
        var rows = MemoryMarshal.Cast<byte, long>(bytes).ToArray();
        Assert.Equal(2 * 77, rows.Length);
        Assert.Equal(rows[..77], Sd15.Value.EncodePadded("a DSLR photo of a hamburger", out bool t0));
        Assert.Equal(rows[77..], Sd15.Value.EncodePadded("", out bool t1));
        Assert.False(t0);
        Assert.False(t1);
    }

    [Fact]
    public void TruncationKeepsEosLastAndFlagsIt()
    {
        var t = Sd15.Value;
        var text = string.Join(' ', Enumerable.Repeat("cat", 200));
        var full = t.Encode(text);
        Assert.Equal(202, full.Length);
        var cut = t.EncodePadded(text, out bool truncated);
        Assert.True(truncated);
        Assert.Equal(full.Take(76).Select(i => (long)i), cut.Take(76));
        Assert.Equal(t.EosId, cut[76]);

        // Exactly 77 ids fit without truncation.
        var exact = string.Join(' ', Enumerable.Repeat("cat", 75));
        Assert.Equal(t.Encode(exact).Select(i => (long)i), t.EncodePadded(exact, out bool cutExact));
        Assert.False(cutExact);
    }

    [Fact]
    public void PadTokenFromTokenizerConfigIsHonoured()
    {
        using var dir = new TempTokenizerCopy();
        dir.SetToken("tokenizer_config.json", "pad_token", "!");
        File.Delete(Path.Combine(dir.Path, "special_tokens_map.json"));
        AssertPadsWithExclamation(ClipTokenizer.FromFolder(dir.Path));
    }

    [Fact]
    public void SpecialTokensMapOverridesTokenizerConfig()
    {
        using var dir = new TempTokenizerCopy();
        dir.SetToken("special_tokens_map.json", "pad_token", "!");
        AssertPadsWithExclamation(ClipTokenizer.FromFolder(dir.Path));
    }

    private static void AssertPadsWithExclamation(ClipTokenizer t)
    {
        Assert.Equal(0, t.PadId);
        Assert.Equal(49407, t.EosId);
        var padded = t.EncodePadded("a DSLR photo of a hamburger", out _);
        Assert.Equal(new long[] { 49406, 320, 33740, 1125, 539, 320, 33928, 49407 }, padded[..8]);
        Assert.All(padded[8..], id => Assert.Equal(0L, id));
        // As in transformers (diffusers issue #4153): the pad token's text is cut out of the prompt as that token,
        // so each "!" becomes id 0 instead of the BPE tokens "!</w>", "!!</w>", "!!!</w>".
        Assert.Equal(new[] { 49406, 0, 0, 0, 0, 0, 0, 49407 }, t.Encode("! !! !!!"));
        Assert.Equal(new[] { 49406, 256, 748, 995, 49407 }, Sd15.Value.Encode("! !! !!!"));
    }

    [Fact]
    public void SpecialTokenTextInThePromptBecomesThatToken()
    {
        var t = Sd15.Value;
        var cat = t.Encode("cat")[1..^1];
        Assert.Equal([t.BosId, .. cat, t.EosId, .. cat, t.EosId], t.Encode("cat<|endoftext|>cat"));
        // Typed in capitals it is no exact match, but lower-casing turns it into the token before BPE.
        Assert.Equal([t.BosId, t.BosId, t.EosId], t.Encode("<|STARTOFTEXT|>"));
    }

    [Fact]
    public void CleaningDropsControlCharactersAndIsolatesCjkIdeographs()
    {
        var t = Sd15.Value;
        Assert.Equal(t.Encode("a photo"), t.Encode("a\u0000 photo\u200b\u0007"));
        Assert.Equal(t.Encode("a photo"), t.Encode("\u00A0a\u3000\u2028photo\r\n"));
        Assert.Equal(t.Encode("猫 犬"), t.Encode("猫犬"));
        Assert.NotEqual(t.Encode("ab"), t.Encode("a b"));
        // NFC: a decomposed e + combining acute encodes like the precomposed é.
        Assert.Equal(t.Encode("caf\u00E9"), t.Encode("cafe\u0301"));
    }

    [Fact]
    public void EveryByteIsRepresentedWithoutFallingBackToUnknown()
    {
        var t = Sd15.Value;
        // Emoji, astral letters and rare scripts all reach BPE as bytes, which the vocabulary covers.
        var ids = t.Encode("🦄 𝐀𝐁 ᚠᛇ Ωμέγα \u0370");
        Assert.DoesNotContain(t.UnkId, ids[1..^1]);
        Assert.True(ids.Length > 6);
    }

    [Theory]
    [InlineData("ΟΔΟΣ", "οδος")] // word-final sigma, as Python's str.lower()
    [InlineData("ΣΑ", "σα")]
    [InlineData("AΣ.", "aς.")]
    [InlineData("ΌΣΟΣ'", "όσος'")]
    [InlineData("İstanbul", "i\u0307stanbul")]
    [InlineData("MiXeD", "mixed")]
    public void LowerCasesLikePython(string input, string expected) =>
        Assert.Equal(expected, ClipTextNormalizer.LowerLikePython(input));

    [Fact]
    public void PreTokenizerFollowsClipsPatternOrder()
    {
        Assert.Equal(["don", "'t", "it", "'s", "'re", "d"], ClipTextNormalizer.PreTokenize("don't it's 're d"));
        Assert.Equal(["3", ".", "1", "4", "!'", "s"], ClipTextNormalizer.PreTokenize("3.14 !'s"));
        Assert.Equal(["𝐀𝐁", "𝟏", "𝟐"], ClipTextNormalizer.PreTokenize("𝐀𝐁𝟏𝟐"));
    }

    [Fact]
    public void MissingVocabIsAUserErrorNamingIt()
    {
        using var dir = new TempTokenizerCopy();
        File.Delete(Path.Combine(dir.Path, "vocab.json"));
        var e = Assert.Throws<UserError>(() => ClipTokenizer.FromFolder(dir.Path));
        Assert.Contains("vocab.json", e.Message);
    }

    [Fact]
    public void MissingMergesIsAUserErrorNamingIt()
    {
        using var dir = new TempTokenizerCopy();
        File.Delete(Path.Combine(dir.Path, "merges.txt"));
        var e = Assert.Throws<UserError>(() => ClipTokenizer.FromFolder(dir.Path));
        Assert.Contains("merges.txt", e.Message);
    }

    [Fact]
    public void CorruptFilesAreUserErrorsNamingThem()
    {
        using var dir = new TempTokenizerCopy();
        File.WriteAllText(Path.Combine(dir.Path, "vocab.json"), "{\"a\": 1,");
        Assert.Contains("vocab.json", Assert.Throws<UserError>(() => ClipTokenizer.FromFolder(dir.Path)).Message);

        using var dir2 = new TempTokenizerCopy();
        File.WriteAllText(Path.Combine(dir2.Path, "merges.txt"), "#version: 0.2\ni n\nthree parts here\n");
        var e = Assert.Throws<UserError>(() => ClipTokenizer.FromFolder(dir2.Path));
        Assert.Contains("merges.txt line 3", e.Message);

        using var dir3 = new TempTokenizerCopy();
        dir3.SetToken("tokenizer_config.json", "model_max_length", "seventy");
        Assert.Contains("model_max_length", Assert.Throws<UserError>(() => ClipTokenizer.FromFolder(dir3.Path)).Message);
    }

    [Fact]
    public void UnknownPadTokenIsAUserErrorNamingTheKey()
    {
        using var dir = new TempTokenizerCopy();
        dir.SetToken("special_tokens_map.json", "pad_token", "<|nosuchtoken|>");
        var e = Assert.Throws<UserError>(() => ClipTokenizer.FromFolder(dir.Path));
        Assert.Contains("pad_token", e.Message);
        Assert.Contains("special_tokens_map.json", e.Message);
    }

    [Fact]
    public void MissingFolderIsAUserError()
    {
        var missing = Path.Combine(Path.GetTempPath(), "dreamtime-no-such-tokenizer-" + Guid.NewGuid().ToString("N"));
        Assert.Contains(missing, Assert.Throws<UserError>(() => ClipTokenizer.FromFolder(missing)).Message);
    }

    /// <summary>A throw-away copy of the fixture tokenizer folder whose files a test may edit.</summary>
    internal sealed class TempTokenizerCopy : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dreamtime-tok-" + Guid.NewGuid().ToString("N"));

        public TempTokenizerCopy()
        {
            Directory.CreateDirectory(Path);
            foreach (var f in Directory.GetFiles(Sd15TokenizerDir)) File.Copy(f, System.IO.Path.Combine(Path, System.IO.Path.GetFileName(f)));
        }

        public void SetToken(string file, string key, string value)
        {
            var path = System.IO.Path.Combine(Path, file);
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            json[key] = value;
            File.WriteAllText(path, json.ToJsonString());
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
