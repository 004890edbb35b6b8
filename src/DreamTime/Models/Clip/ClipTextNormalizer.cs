using System.Globalization;
using System.Text;

namespace DreamTime.Models.Clip;

/// <summary>
/// The text clean-up CLIPTokenizer applies when ftfy is not installed (transformers' BasicTokenizer with
/// strip_accents=False and no punctuation splitting), followed by CLIP's pre-tokenisation pattern.
/// Accents and punctuation are kept as typed; only control characters are dropped.
/// </summary>
internal static class ClipTextNormalizer
{
    /// <summary>
    /// Drops control/format characters, puts spaces around CJK ideographs, applies NFC, lower-cases each
    /// whitespace-separated word and joins the words with single spaces.
    /// </summary>
    public static string Clean(string text)
    {
        var cleaned = new StringBuilder(text.Length + 8);
        foreach (var rune in text.EnumerateRunes())
        {
            int cp = rune.Value;
            if (cp == 0 || cp == 0xFFFD || IsControl(rune)) continue;
            if (IsBasicWhitespace(rune)) cleaned.Append(' ');
            else if (IsCjkIdeograph(cp)) cleaned.Append(' ').Append(rune.ToString()).Append(' ');
            else cleaned.Append(rune.ToString());
        }
        var normalized = cleaned.ToString().Normalize(NormalizationForm.FormC);
        var words = normalized.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', words.Select(LowerLikePython));
    }

    /// <summary>
    /// Splits cleaned text with CLIP's pattern
    /// <c>&lt;|startoftext|&gt;|&lt;|endoftext|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
    /// (case-insensitive). Scanned by code point, so letters and digits outside the BMP are classified as the
    /// reference regex does (a UTF-16 regex would see their surrogate halves instead).
    /// </summary>
    public static List<string> PreTokenize(string text)
    {
        var pieces = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            int length = MatchAt(text, i);
            if (length == 0) { i += Rune.GetRuneAt(text, i).Utf16SequenceLength; continue; }
            pieces.Add(text.Substring(i, length));
            i += length;
        }
        return pieces;
    }

    private static readonly string[] Specials = ["<|startoftext|>", "<|endoftext|>"];
    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    /// <summary>Length in UTF-16 units of the pattern's match at <paramref name="i"/>; 0 where only whitespace starts.</summary>
    private static int MatchAt(string text, int i)
    {
        // Alternatives are tried in the pattern's order, as a backtracking regex does.
        foreach (var s in Specials)
            if (i + s.Length <= text.Length && string.Compare(text, i, s, 0, s.Length, StringComparison.OrdinalIgnoreCase) == 0) return s.Length;
        foreach (var c in Contractions)
            if (i + c.Length <= text.Length && string.Compare(text, i, c, 0, c.Length, StringComparison.OrdinalIgnoreCase) == 0) return c.Length;

        var first = Rune.GetRuneAt(text, i);
        if (Rune.IsLetter(first)) return RunLength(text, i, Rune.IsLetter);
        if (Rune.IsNumber(first)) return first.Utf16SequenceLength;
        if (Rune.IsWhiteSpace(first)) return 0;
        return RunLength(text, i, r => !Rune.IsWhiteSpace(r) && !Rune.IsLetter(r) && !Rune.IsNumber(r));
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

    // Python's notion of a control character here: any "C*" category except tab, newline and carriage return.
    private static bool IsControl(Rune r)
    {
        if (r.Value is '\t' or '\n' or '\r') return false;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned
            or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;
    }

    private static bool IsBasicWhitespace(Rune r) =>
        r.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(r) == UnicodeCategory.SpaceSeparator;

    // The CJK Unified Ideograph blocks BERT's basic tokenizer isolates (not kana or hangul).
    private static bool IsCjkIdeograph(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;

    /// <summary>
    /// str.lower() of Python: the invariant simple mapping plus the two context/length-changing rules it
    /// applies (capital I with dot becomes "i" + combining dot; a word-final capital sigma becomes "ς").
    /// </summary>
    internal static string LowerLikePython(string word)
    {
        if (word.IndexOf('\u0130') < 0 && word.IndexOf('\u03A3') < 0) return word.ToLowerInvariant();
        var sb = new StringBuilder(word.Length + 2);
        for (int i = 0; i < word.Length; i++)
        {
            char c = word[i];
            if (c == '\u0130') sb.Append("i\u0307");
            else if (c == '\u03A3') sb.Append(IsFinalSigma(word, i) ? '\u03C2' : '\u03C3');
            else if (char.IsSurrogate(c) && i + 1 < word.Length) { sb.Append(word.Substring(i, 2).ToLowerInvariant()); i++; }
            else sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    // Unicode's Final_Sigma context: a cased letter before (skipping case-ignorables), none after.
    private static bool IsFinalSigma(string word, int at)
    {
        bool casedBefore = false;
        for (int j = at - 1; j >= 0; j--)
        {
            if (IsCaseIgnorable(word[j])) continue;
            casedBefore = IsCased(word[j]);
            break;
        }
        if (!casedBefore) return false;
        for (int j = at + 1; j < word.Length; j++)
        {
            if (IsCaseIgnorable(word[j])) continue;
            return !IsCased(word[j]);
        }
        return true;
    }

    private static bool IsCased(char c) => char.GetUnicodeCategory(c) is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(char c) =>
        c is '\'' or '.' or ':' or '\u00B7' or '\u2018' or '\u2019' or '\u2024' or '\u2027' or '\u0387' or '\uFE13' or '\uFE52' or '\uFE55' or '\uFF07' or '\uFF0E' or '\uFF1A'
        || char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
}
