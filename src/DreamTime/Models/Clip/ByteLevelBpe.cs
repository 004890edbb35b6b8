using System.Text;

namespace DreamTime.Models.Clip;

/// <summary>
/// Byte-level byte-pair encoding as CLIP uses it: a word's UTF-8 bytes are spelled with printable stand-in
/// characters (so the vocabulary never contains spaces or control bytes), the last symbol carries the
/// end-of-word marker, and the lowest-ranked adjacent pair is merged until no ranked pair is left.
/// </summary>
internal sealed class ByteLevelBpe
{
    public const string EndOfWord = "</w>";

    private static readonly char[] ByteSymbols = BuildByteSymbols();
    private readonly Dictionary<(string First, string Second), int> _ranks;

    public ByteLevelBpe(IReadOnlyList<(string First, string Second)> merges)
    {
        _ranks = new Dictionary<(string, string), int>(merges.Count);
        // An earlier line wins if a pair is listed twice, as the first occurrence has the lower rank.
        for (int i = 0; i < merges.Count; i++) _ranks.TryAdd(merges[i], i);
    }

    public int MergeCount => _ranks.Count;

    /// <summary>The word's UTF-8 bytes, each written as its printable stand-in character.</summary>
    public static string SpellBytes(string word)
    {
        var bytes = Encoding.UTF8.GetBytes(word);
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) chars[i] = ByteSymbols[bytes[i]];
        return new string(chars);
    }

    /// <summary>Splits a byte-spelled word into vocabulary symbols; the last one ends with "&lt;/w&gt;".</summary>
    public List<string> Encode(string spelled)
    {
        var word = new List<string>(spelled.Length);
        for (int i = 0; i < spelled.Length - 1; i++) word.Add(spelled[i].ToString());
        word.Add(spelled[^1] + EndOfWord);

        while (word.Count > 1)
        {
            int bestRank = int.MaxValue;
            (string, string) best = default;
            for (int i = 0; i + 1 < word.Count; i++)
                if (_ranks.TryGetValue((word[i], word[i + 1]), out int rank) && rank < bestRank)
                {
                    bestRank = rank;
                    best = (word[i], word[i + 1]);
                }
            if (bestRank == int.MaxValue) break;

            // Merge every non-overlapping occurrence of the best pair, scanning left to right.
            var merged = new List<string>(word.Count);
            for (int i = 0; i < word.Count; i++)
            {
                if (i + 1 < word.Count && word[i] == best.Item1 && word[i + 1] == best.Item2) { merged.Add(best.Item1 + best.Item2); i++; }
                else merged.Add(word[i]);
            }
            word = merged;
        }
        return word;
    }

    /// <summary>
    /// GPT-2's reversible byte table: printable Latin-1 bytes stand for themselves, the remaining 68 bytes
    /// (space, controls, a few others) get the code points 256, 257, ... in byte order.
    /// </summary>
    private static char[] BuildByteSymbols()
    {
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }
}
