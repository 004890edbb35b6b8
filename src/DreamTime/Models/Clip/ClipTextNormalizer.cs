using System.Text;
using DreamTime.Runtime;

namespace DreamTime.Models.Clip;

/// <summary>
/// The text side of the tokenizers-backed CLIP tokenizer that diffusers loads (CLIPTokenizerFast, which is what
/// CLIPTokenizer itself became in transformers v5): the normalizer NFC, then every run of whitespace to one space,
/// then lower-casing; the pre-tokenizer CLIP's pattern with everything it does not match (whitespace) dropped.
/// Nothing else is cleaned: accents, control and format characters reach BPE as typed, and a run of letters of any
/// script (CJK included) is a single word.
/// </summary>
internal static class ClipTextNormalizer
{
    /// <summary>
    /// The normalized text the reference pre-tokenizes: NFC (not NFKC, so full-width forms and ligatures stay),
    /// whitespace runs (leading and trailing too) as one space, each code point lower-cased on its own.
    /// </summary>
    public static string Normalize(string text)
    {
        RejectUnpairedSurrogates(text);
        var composed = text.Normalize(NormalizationForm.FormC);
        var sb = new StringBuilder(composed.Length);
        bool inWhitespace = false;
        foreach (var rune in composed.EnumerateRunes())
        {
            if (IsWhiteSpace(rune))
            {
                if (!inWhitespace) sb.Append(' ');
                inWhitespace = true;
                continue;
            }
            inWhitespace = false;
            AppendLower(sb, rune);
        }
        return sb.ToString();
    }

    /// <summary>
    /// Splits normalized text with CLIP's pattern <c>'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>,
    /// keeping the matches and dropping the whitespace between them. Scanned by code point so that letters and
    /// digits outside the BMP are classified whole (a UTF-16 regex would see their surrogate halves).
    /// </summary>
    /// <remarks>
    /// transformers v5 puts <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;</c> in front of this pattern, but the
    /// ByteLevel pre-tokenizer that follows re-splits with GPT-2's pattern, which cuts such a piece back into
    /// "&lt;|", the word and "|&gt;" — the pieces this pattern gives. On every other piece GPT-2's pattern matches
    /// the whole piece, so it is not applied here.
    /// </remarks>
    public static List<string> PreTokenize(string normalized)
    {
        var pieces = new List<string>();
        int i = 0;
        while (i < normalized.Length)
        {
            var first = Rune.GetRuneAt(normalized, i);
            if (IsWhiteSpace(first)) { i += first.Utf16SequenceLength; continue; }
            int length = MatchLength(normalized, i, first);
            pieces.Add(normalized.Substring(i, length));
            i += length;
        }
        return pieces;
    }

    /// <summary>
    /// The reference regex engine's (Oniguruma's) Unicode <c>\s</c>: U+0009–U+000D, U+0085 and the Zs, Zl and Zp
    /// categories, which is the Unicode White_Space property. .NET's definition covers the same code points.
    /// </summary>
    internal static bool IsWhiteSpace(Rune r) => Rune.IsWhiteSpace(r);

    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    private static int MatchLength(string text, int i, Rune first)
    {
        // Alternatives in the pattern's order, as the backtracking regex tries them; the text is already lower-case,
        // so the case-sensitive contractions see "'S" as "'s".
        if (first.Value == '\'')
            foreach (var c in Contractions)
                if (string.CompareOrdinal(text, i, c, 0, c.Length) == 0) return c.Length;
        if (Rune.IsLetter(first)) return RunLength(text, i, Rune.IsLetter);
        if (Rune.IsNumber(first)) return first.Utf16SequenceLength;
        return RunLength(text, i, r => !IsWhiteSpace(r) && !Rune.IsLetter(r) && !Rune.IsNumber(r));
    }

    private static int RunLength(string text, int start, Func<Rune, bool> belongs)
    {
        int j = start;
        while (j < text.Length)
        {
            var r = Rune.GetRuneAt(text, j);
            if (!belongs(r)) break;
            j += r.Utf16SequenceLength;
        }
        return j - start;
    }

    /// <summary>
    /// Rust's char::to_lowercase, which the reference applies per code point: no context rules, so a word-final
    /// capital sigma becomes σ, not ς. Its only multi-character result is U+0130 (İ) → "i" + U+0307, which .NET's
    /// invariant simple mapping leaves unchanged; every other code point maps as .NET's invariant lower-casing does.
    /// </summary>
    private static void AppendLower(StringBuilder sb, Rune rune)
    {
        if (rune.Value == 0x130) { sb.Append("i\u0307"); return; }
        var lower = Rune.ToLowerInvariant(rune);
        Span<char> buffer = stackalloc char[2];
        sb.Append(buffer[..lower.EncodeToUtf16(buffer)]);
    }

    // The reference takes a Rust string, which cannot hold half a surrogate pair; NFC here would throw on one.
    private static void RejectUnpairedSurrogates(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (!char.IsSurrogate(c)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { i++; continue; }
            throw new UserError($"the prompt has an unpaired UTF-16 surrogate (U+{(int)c:X4}) at index {i}; it is not valid Unicode text");
        }
    }
}
