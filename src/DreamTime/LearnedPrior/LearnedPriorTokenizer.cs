using DreamTime.Models.Clip;

namespace DreamTime.LearnedPrior;

/// <summary>
/// The learned prior's tokenizer: CLIP's byte-level BPE vocabulary with 16 positions (captions are short), kept
/// in the library as embedded files. <see cref="ClipTokenizer"/> reads folders, so the files are written to one.
/// </summary>
public static class LearnedPriorTokenizer
{
    public const int ContextLength = 16;
    private static readonly string[] Files = { "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json" };

    /// <summary>Writes the tokenizer files into <paramref name="folder"/> (created if needed) and loads them.</summary>
    public static ClipTokenizer WriteAndLoad(string folder)
    {
        Directory.CreateDirectory(folder);
        var asm = typeof(LearnedPriorTokenizer).Assembly;
        foreach (var name in Files)
        {
            using var s = asm.GetManifestResourceStream("DreamTime.LearnedPrior.Tokenizer." + name)
                          ?? throw new InvalidOperationException($"the library was built without its tokenizer file {name}");
            using var f = File.Create(Path.Combine(folder, name));
            s.CopyTo(f);
        }
        return ClipTokenizer.FromFolder(folder);
    }
}
