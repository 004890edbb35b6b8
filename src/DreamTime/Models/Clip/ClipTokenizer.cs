using System.Collections.Concurrent;
using DreamTime.Runtime;

namespace DreamTime.Models.Clip;

/// <summary>
/// CLIP's byte-level BPE tokenizer, read from a transformers tokenizer folder (a diffusers checkpoint's
/// <c>tokenizer/</c>). It reproduces the tokenizers-backed CLIP tokenizer diffusers loads (CLIPTokenizerFast, built
/// from vocab.json and merges.txt): special tokens named by the config are cut out of the raw text verbatim first,
/// as tokenizers does for special tokens added without normalization (so with SD 2.x's pad token "!", every "!"
/// becomes that token, and "&lt;|STARTOFTEXT|&gt;" is ordinary text); the rest is normalized (NFC, whitespace collapsed,
/// lower-cased), split with CLIP's pattern and byte-pair encoded with an end-of-word marker.
/// </summary>
public sealed class ClipTokenizer
{
    public int BosId { get; }
    public int EosId { get; }
    public int PadId { get; }
    public int UnkId { get; }
    /// <summary>Length of a padded sequence, BOS and EOS included (77 for Stable Diffusion).</summary>
    public int MaxLength { get; }
    public int VocabSize => _vocab.Count;
    /// <summary>The folder the tokenizer was read from.</summary>
    public string Folder { get; }

    private readonly Dictionary<string, int> _vocab;
    private readonly ClipTokenizerSettings _settings;
    private readonly ByteLevelBpe _bpe;
    /// <summary>Texts cut out of the prompt as single tokens, longest first so the longest match wins.</summary>
    private readonly (string Text, int Id)[] _specialTokens;
    private readonly ConcurrentDictionary<string, int[]> _wordCache = new();

    private ClipTokenizer(string folder, Dictionary<string, int> vocab, ByteLevelBpe bpe, ClipTokenizerSettings settings)
    {
        Folder = Path.GetFullPath(folder);
        _settings = settings;
        _vocab = vocab;
        _bpe = bpe;
        BosId = IdOf(settings.Bos, "bos_token", settings.AddedTokens);
        EosId = IdOf(settings.Eos, "eos_token", settings.AddedTokens);
        PadId = IdOf(settings.Pad, "pad_token", settings.AddedTokens);
        UnkId = IdOf(settings.Unk, "unk_token", settings.AddedTokens);
        MaxLength = settings.MaxLength;

        var specials = new Dictionary<string, int>(settings.AddedTokens)
        {
            [settings.Bos.Content] = BosId,
            [settings.Eos.Content] = EosId,
            [settings.Pad.Content] = PadId,
            [settings.Unk.Content] = UnkId,
        };
        _specialTokens = specials.Select(kv => (kv.Key, kv.Value))
            .OrderByDescending(t => t.Key.Length).ThenBy(t => t.Key, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Loads vocab.json and merges.txt plus the special tokens and length from the folder's JSON configs.</summary>
    public static ClipTokenizer FromFolder(string tokenizerDir)
    {
        if (!Directory.Exists(tokenizerDir)) throw new UserError($"tokenizer folder not found: {tokenizerDir}");
        var vocab = ClipTokenizerFiles.ReadVocab(tokenizerDir);
        var bpe = new ByteLevelBpe(ClipTokenizerFiles.ReadMerges(tokenizerDir));
        return new ClipTokenizer(tokenizerDir, vocab, bpe, ClipTokenizerFiles.ReadSettings(tokenizerDir));
    }

    /// <summary>
    /// Writes a tokenizer folder that <see cref="FromFolder"/> (and transformers) read back to this tokenizer: the
    /// files it was read from, copied, with tokenizer_config.json and special_tokens_map.json written from its
    /// settings where the source folder had none.
    /// </summary>
    public void Save(string dir) => ClipTokenizerFiles.Write(Folder, _settings, dir);

    /// <summary>Token ids of the text with BOS first and EOS last; not truncated, not padded.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int> { BosId };
        int segmentStart = 0;
        for (int i = 0; i < text.Length;)
        {
            var special = SpecialTokenAt(text, i);
            if (special == null) { i++; continue; }
            EncodeOrdinaryText(text[segmentStart..i], ids);
            ids.Add(special.Value.Id);
            i += special.Value.Text.Length;
            segmentStart = i;
        }
        EncodeOrdinaryText(text[segmentStart..], ids);
        ids.Add(EosId);
        return ids.ToArray();
    }

    /// <summary>
    /// Exactly <see cref="MaxLength"/> ids, as a text encoder takes them: cut to MaxLength with EOS kept last
    /// (<paramref name="truncated"/> then says so), or filled up with the pad id.
    /// </summary>
    public long[] EncodePadded(string text, out bool truncated)
    {
        var ids = Encode(text);
        truncated = ids.Length > MaxLength;
        var padded = new long[MaxLength];
        int keep = Math.Min(ids.Length, MaxLength);
        for (int i = 0; i < keep; i++) padded[i] = ids[i];
        if (truncated) padded[MaxLength - 1] = EosId;
        for (int i = keep; i < MaxLength; i++) padded[i] = PadId;
        return padded;
    }

    private (string Text, int Id)? SpecialTokenAt(string text, int i)
    {
        foreach (var t in _specialTokens)
            if (i + t.Text.Length <= text.Length && string.CompareOrdinal(text, i, t.Text, 0, t.Text.Length) == 0) return t;
        return null;
    }

    private void EncodeOrdinaryText(string text, List<int> ids)
    {
        if (text.Length == 0) return;
        foreach (var word in ClipTextNormalizer.PreTokenize(ClipTextNormalizer.Normalize(text)))
            ids.AddRange(_wordCache.GetOrAdd(word, EncodeWord));
    }

    private int[] EncodeWord(string word) =>
        _bpe.Encode(ByteLevelBpe.SpellBytes(word)).Select(s => _vocab.GetValueOrDefault(s, UnkId)).ToArray();

    private int IdOf(NamedToken token, string key, IReadOnlyDictionary<string, int> added)
    {
        if (added.TryGetValue(token.Content, out int id) || _vocab.TryGetValue(token.Content, out id)) return id;
        throw new UserError($"{key} '{token.Content}' (from {token.Source}) is not in {ClipTokenizerFiles.VocabFile}");
    }
}
