using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using DreamTime.Models.Clip;
using DreamTime.Runtime;
using Xunit;

namespace DreamTime.Tests.Models.Clip;

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
        // Typed in capitals it is no exact match on the raw text, and the special token is not looked for again
        // after lower-casing: "<|startoftext|>" is pre-tokenized as "<|", "startoftext", "|>" and BPE-encoded:
        // "<" + "|</w>" (27, 347: merges.txt has no "< |</w>"), "star" "tof" "text</w>" (993, 6659, 4160),
        // "|" + "></w>" (91, 285).
        Assert.Equal([t.BosId, 27, 347, 993, 6659, 4160, 91, 285, t.EosId], t.Encode("<|STARTOFTEXT|>"));
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

    // The fast tokenizer's normalizer: NFC, then Replace(\s+ -> " "), then Lowercase (Rust's per-char to_lowercase).
    [Theory]
    [InlineData("  Multiple   spaces\tand\n", " multiple spaces and ")] // runs become one space, ends included
    [InlineData("A\u00A0B\u3000C\u2028D\u0085E\u000BF\u000CG\u1680H", "a b c d e f g h")] // all White_Space
    [InlineData("a\u200Bb\u001Fc\u0000d\u0007", "a\u200Bb\u001Fc\u0000d\u0007")] // not White_Space: kept
    [InlineData("E\u0301", "\u00E9")] // composed by NFC, then lower-cased; the accent stays
    [InlineData("\uFB01\uFF11", "\uFB01\uFF11")] // NFC, not NFKC: the ligature and the full-width digit stay
    [InlineData("ΟΔΟΣ", "οδοσ")] // per code point, so no final-sigma rule (Python's str.lower() gives "οδος")
    [InlineData("İstanbul", "i\u0307stanbul")] // the one lower-case mapping that yields two code points
    [InlineData("\u1E9E MiXeD", "\u00DF mixed")]
    public void NormalizesLikeTheFastTokenizer(string input, string expected) =>
        Assert.Equal(expected, ClipTextNormalizer.Normalize(input));

    [Fact]
    public void WhitespaceIsExactlyUnicodeWhiteSpace()
    {
        // PropList.txt's White_Space, which is also what Oniguruma's Unicode \s (the reference's regex engine) covers.
        int[] expected = [0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, .. Enumerable.Range(0x2000, 11), 0x2028, 0x2029, 0x202F,
            0x205F, 0x3000];
        var actual = Enumerable.Range(0, 0x110000).Where(Rune.IsValid).Where(cp => ClipTextNormalizer.IsWhiteSpace(new Rune(cp)));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void PreTokenizerFollowsClipsPatternOrder()
    {
        Assert.Equal(new[] { "don", "'t", "it", "'s", "'re", "d" }, ClipTextNormalizer.PreTokenize("don't it's 're d").ToArray());
        Assert.Equal(new[] { "3", ".", "1", "4", "!'", "s" }, ClipTextNormalizer.PreTokenize("3.14 !'s").ToArray());
        Assert.Equal(new[] { "𝐀𝐁", "𝟏", "𝟐" }, ClipTextNormalizer.PreTokenize("𝐀𝐁𝟏𝟐").ToArray());
    }

    // Pieces of Normalize(input): a letter run (\p{L}+, any script) is one piece, each \p{N} is one piece,
    // anything else that is not whitespace runs together, whitespace only separates.
    [Theory]
    [InlineData("猫犬", new[] { "猫犬" })] // the slow tokenizer isolated each CJK ideograph
    [InlineData("Москва東京", new[] { "москва東京" })] // Cyrillic and Han letters in one run
    [InlineData("Привет, мир!", new[] { "привет", ",", "мир", "!" })]
    [InlineData("ひらがなカタカナ漢字한국어", new[] { "ひらがなカタカナ漢字한국어" })]
    [InlineData("مرحبا بالعالم", new[] { "مرحبا", "بالعالم" })]
    // harakat are Mn, not letters
    [InlineData("مَرْحَبًا", new[] { "م", "\u064E", "ر", "\u0652", "ح", "\u064E", "ب", "\u064B", "ا" })]
    [InlineData("नमस्ते", new[] { "नमस", "\u094D", "त", "\u0947" })] // virama and vowel sign are Mn too
    [InlineData("İstanbul", new[] { "i", "\u0307", "stanbul" })] // lower-casing adds a combining dot (Mn)
    [InlineData("x2024y", new[] { "x", "2", "0", "2", "4", "y" })]
    [InlineData("\uFF11\uFF12½²", new[] { "\uFF11", "\uFF12", "½", "²" })] // full-width digits (Nd), No
    [InlineData("don\u2019t", new[] { "don", "\u2019", "t" })] // a curly apostrophe is no contraction
    [InlineData("DON'T It'S", new[] { "don", "'t", "it", "'s" })] // lower-cased before the contractions match
    [InlineData("🦄cat👩\u200D🚀", new[] { "🦄", "cat", "👩\u200D🚀" })] // the zero-width joiner is kept
    [InlineData("a\u200Bb", new[] { "a", "\u200B", "b" })] // a zero-width space is Cf, not whitespace
    [InlineData("\u3000 a \t\n b\u00A0", new[] { "a", "b" })]
    [InlineData("<|startoftext|>", new[] { "<|", "startoftext", "|>" })]
    public void PreTokenizesLikeTheFastTokenizer(string input, string[] expected) =>
        // Array against array: xunit 2 compares an array with a List<string> culture-sensitively, which ignores a
        // zero-width joiner.
        Assert.Equal(expected, ClipTextNormalizer.PreTokenize(ClipTextNormalizer.Normalize(input)).ToArray());

    // Ids below are derived by hand from the fixture's vocab.json and merges.txt (the real CLIP files):
    // a piece's UTF-8 bytes are spelled with GPT-2's byte symbols, "</w>" is appended to the last one, and merges
    // apply lowest rank first. A byte symbol's id is its index in that alphabet; with "</w>" it is 256 more.

    [Fact]
    public void AccentsAreKept()
    {
        var t = Sd15.Value;
        // é is C3 A9 = symbols "Ã" "©</w>", merged (rank 3654) into "Ã©</w>" = 4166. Stripping it would give "e</w>" = 324.
        Assert.Equal([49406, 4166, 49407], t.Encode("\u00E9"));
        // Decomposed capital E + combining acute: NFC composes É, lower-casing gives é.
        Assert.Equal([49406, 4166, 49407], t.Encode("E\u0301"));
        Assert.Equal([49406, 324, 49407], t.Encode("e"));
    }

    [Fact]
    public void CjkRunIsOneWordEncodedOverItsBytes()
    {
        var t = Sd15.Value;
        // 猫 = E7 8C AB = "ç" "Į" "«", 犬 = E7 8A AC = "ç" "Ĭ" "¬"; merges.txt has no pair of these symbols, so every
        // byte stays a token: ç 163, Į 234, « 104, Ĭ 232, ¬</w> 361. As one word only the last byte carries </w> ...
        Assert.Equal([49406, 163, 234, 104, 163, 232, 361, 49407], t.Encode("猫犬"));
        // ... while as two words 猫 ends in «</w> (360), which is what the slow tokenizer gave for "猫犬" too.
        Assert.Equal([49406, 163, 234, 360, 163, 232, 361, 49407], t.Encode("猫 犬"));
    }

    [Fact]
    public void MixedScriptLettersFormOneWord()
    {
        var t = Sd15.Value;
        // Each Cyrillic letter's two bytes merge into one symbol: м "Ð¼" 38018, о "Ð¾" 13506, с "Ñģ" 23669,
        // к "Ðº" 27152, в "Ð²" 39813, а "Ð°" 16912; 東 merges to "æĿ±" 48338, 京 to "äº" 21078 + "¬</w>" 361.
        // No merge joins two letters. а is not word-final here, so it is "Ð°", not "Ð°</w>" (27080) as in "москва".
        Assert.Equal([49406, 38018, 13506, 23669, 27152, 39813, 16912, 48338, 21078, 361, 49407], t.Encode("Москва東京"));
        Assert.Equal([49406, 38018, 13506, 23669, 27152, 39813, 27080, 48338, 21078, 361, 49407], t.Encode("Москва 東京"));
    }

    [Fact]
    public void DigitsAreOneWordEach()
    {
        var t = Sd15.Value;
        // "0</w>" 271, "2</w>" 273, "4</w>" 275 (the fixture's number case uses 272..278 for 1..7). As one word,
        // "2024" would be "2" "0" "2" "4</w>" = 17, 15, 17, 275.
        Assert.Equal([49406, 273, 271, 273, 275, 49407], t.Encode("2024"));
        // Full-width １ = EF BC 91 = "ï" 171, "¼" 120, "ĳ</w>" 495 and ２ ends in "Ĵ</w>" 496 (no merges apply);
        // NFKC would have folded them to 1 and 2 (272, 273).
        Assert.Equal([49406, 171, 120, 495, 171, 120, 496, 49407], t.Encode("\uFF11\uFF12"));
    }

    [Theory]
    [InlineData("a photo")]
    [InlineData("   a photo   ")]
    [InlineData("\ta\r\n photo\n")]
    [InlineData("a\u00A0photo")] // no-break space
    [InlineData("a\u3000photo")] // ideographic space
    [InlineData("\u2003a\u2028photo\u0085")] // em space, line separator, next line
    [InlineData("a\u000Bphoto\u000C")] // vertical tab and form feed separate words (the slow tokenizer dropped them, joining "aphoto")
    [InlineData("a\u202F\u205F\u1680photo")]
    public void AnyWhitespaceOnlySeparatesWords(string text) =>
        Assert.Equal([49406, 320, 1125, 49407], Sd15.Value.Encode(text)); // "a</w>" 320, "photo</w>" 1125

    [Fact]
    public void InvisibleCharactersThatAreNotWhitespaceAreKept()
    {
        var t = Sd15.Value;
        // Zero-width space E2 80 8B: "â"+"Ģ" (rank 216), then "âĢ"+"ĭ</w>" (rank 9332) = "âĢĭ</w>" 9844.
        Assert.Equal([49406, 320, 9844, 1125, 49407], t.Encode("a\u200Bphoto"));
        // Control characters are one-byte words: BEL 07 = "ć</w>" 451, unit separator 1F = "ğ</w>" 475.
        Assert.Equal([49406, 320, 451, 1125, 49407], t.Encode("a\u0007photo"));
        Assert.Equal([49406, 320, 475, 1125, 49407], t.Encode("a\u001Fphoto"));
        // 👩 ZWJ 🚀 merges to "ðŁĳ©âĢį" 26304 + "ðŁļĢ</w>" 13542; without the joiner (as the slow tokenizer
        // dropped it) 👩 alone is "ðŁĳ©" 18800.
        Assert.Equal([49406, 26304, 13542, 49407], t.Encode("👩\u200D🚀"));
        Assert.Equal([49406, 18800, 13542, 49407], t.Encode("👩🚀"));
    }

    [Fact]
    public void ContractionsMatchAfterLowerCasing()
    {
        var t = Sd15.Value;
        // As in the fixture's "don't ... it's": "don</w>" 847, "'t</w>" 713, "it</w>" 585, "'s</w>" 568.
        Assert.Equal([49406, 847, 713, 585, 568, 49407], t.Encode("DON'T IT'S"));
        // A right single quotation mark is E2 80 99: "âĢ" 728 + "Ļ</w>" 503, then "t</w>" 339.
        Assert.Equal([49406, 847, 728, 503, 339, 49407], t.Encode("don\u2019t"));
    }

    [Fact]
    public void EmojiAreEncodedOverTheirBytes()
    {
        var t = Sd15.Value;
        // 🦄 F0 9F A6 84: "ð"+"Ł" (46), "ðŁ"+"¦" (5528), "ðŁ¦"+"Ħ</w>" (37147) = "ðŁ¦Ħ</w>" 37659.
        Assert.Equal([49406, 37659, 49407], t.Encode("🦄"));
        Assert.Equal([49406, 2368, 37659, 49407], t.Encode("cat🦄")); // "cat</w>" 2368: letters and symbols split
        // ❤ + variation selector 16 (Mn) form one non-letter run, merged to "âĿ¤ï¸ı</w>" 1752.
        Assert.Equal([49406, 1752, 49407], t.Encode("\u2764\uFE0F"));
    }

    [Fact]
    public void CapitalSigmaLowerCasesToSigmaEvenWordFinal()
    {
        // ο "Î" "¿" (138, 123), δ "Î" "´" (138, 112); σ = CF 83 = "Ï" 139 + "ĥ</w>" 481; no merges apply.
        // Python's final-sigma rule would give ς = CF 82, ending in "Ĥ</w>" 480.
        Assert.Equal([49406, 138, 123, 138, 112, 138, 123, 139, 481, 49407], Sd15.Value.Encode("ΟΔΟΣ"));
    }

    [Fact]
    public void TruncationOfNonLatinTextKeepsEosLast()
    {
        var t = Sd15.Value;
        // 40 separate 猫 are 3 ids each: 122 with BOS and EOS, cut to 77 with EOS last.
        var text = string.Join(' ', Enumerable.Repeat("猫", 40));
        var full = t.Encode(text);
        Assert.Equal(122, full.Length);
        var cut = t.EncodePadded(text, out bool truncated);
        Assert.True(truncated);
        Assert.Equal(full.Take(76).Select(i => (long)i), cut.Take(76));
        Assert.Equal(t.EosId, cut[76]);
        // One long run of ideographs is a single word; it is cut the same way.
        var run = t.EncodePadded(string.Concat(Enumerable.Repeat("猫", 40)), out bool runTruncated);
        Assert.True(runTruncated);
        Assert.Equal([49406L, 163, 234, 104], run[..4]);
        Assert.Equal(t.EosId, run[76]);
    }

    [Fact]
    public void UnpairedSurrogateIsAUserError()
    {
        var e = Assert.Throws<UserError>(() => Sd15.Value.Encode("a\uD83Db"));
        Assert.Contains("surrogate", e.Message);
        Assert.Contains("U+D83D", e.Message);
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
            foreach (var f in Directory.GetFiles(Sd15TokenizerDir))
                File.Copy(f, System.IO.Path.Combine(Path, System.IO.Path.GetFileName(f)));
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
