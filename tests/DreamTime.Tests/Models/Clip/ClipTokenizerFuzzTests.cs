using DreamTime.Models.Clip;
using DreamTime.Tests.IO;
using Xunit;
using Xunit.Abstractions;

namespace DreamTime.Tests.Models.Clip;

/// <summary>Mutated vocab.json, merges.txt, tokenizer_config.json and special_tokens_map.json: the tokenizer loads and encodes, or fails
/// cleanly.</summary>
[Trait("Category", "fuzz")]
public class ClipTokenizerFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedTokenizerFilesLoadOrFailCleanly()
    {
        var root = Directory.CreateTempSubdirectory("dt-tok-fuzz-").FullName;
        try
        {
            var dir = Path.Combine(root, "tokenizer");
            NonFiniteWeightsTests.CopyFolder(Path.Combine(Fixtures.TinySd15, "tokenizer"), dir);
            var names = Directory.GetFiles(dir).Select(Path.GetFileName).ToArray();
            var originals = names.ToDictionary(n => n!, n => File.ReadAllBytes(Path.Combine(dir, n!)));
            Fuzz.Run("tokenizer files", Fuzz.Cases(50), 4, (rng, _) =>
            {
                var name = names[rng.Next(names.Length)]!;
                var path = Path.Combine(dir, name);
                File.WriteAllBytes(path, name.EndsWith(".json") ? Fuzz.MutateJson(originals[name], rng)
                    : Fuzz.MutateBytes(originals[name], rng));
                try
                {
                    var tokenizer = ClipTokenizer.FromFolder(dir);
                    tokenizer.EncodePadded("a red mushroom, front view <|endoftext|> héllo 🍄", out bool _);
                }
                finally { File.WriteAllBytes(path, originals[name]); }
            }, output);
        }
        finally { Directory.Delete(root, true); }
    }
}
