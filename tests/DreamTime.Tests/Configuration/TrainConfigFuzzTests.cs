using System.Text;
using System.Text.Json.Nodes;
using DreamTime.Configuration;
using Xunit;
using Xunit.Abstractions;

namespace DreamTime.Tests.Configuration;

/// <summary>Mutated config.json files (--config) and random --set assignments: read and validated as generate does, or refused
/// cleanly.</summary>
[Trait("Category", "fuzz")]
public class TrainConfigFuzzTests(ITestOutputHelper output)
{
    private static readonly byte[] Defaults = Encoding.UTF8.GetBytes(
        ConfigOverrides.Defaults().ToJsonString(new() { WriteIndented = true }));

    private static void ReadAndValidate(JsonObject tree, string path)
    {
        var cfg = TrainConfig.FromJson(tree, path);
        cfg.Validate();
    }

    [Fact]
    public void MutatedConfigFilesAreReadOrRefusedCleanly()
    {
        var path = Path.Combine(Path.GetTempPath(), $"dt-config-fuzz-{Guid.NewGuid():N}.json");
        try
        {
            Fuzz.Run("config.json", Fuzz.Cases(150), 5, (rng, _) =>
            {
                File.WriteAllBytes(path, Fuzz.MutateJson(Defaults, rng));
                ReadAndValidate(ConfigOverrides.Load(path), path);
            }, output);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void RandomSetAssignmentsAreAppliedOrRefusedCleanly()
    {
        var keys = new List<string>();
        void Collect(JsonObject o, string prefix)
        {
            foreach (var (k, v) in o)
            {
                keys.Add(prefix + k);
                if (v is JsonObject child) Collect(child, prefix + k + ".");
            }
        }
        Collect(ConfigOverrides.Defaults(), "");
        string[] values = { "1", "-1", "0", "1e400", "NaN", "\"\\ud800x\"", "2147483648", "true", "null", "\"\"", "[]", "{}", "[1,2", "x",
                            "builtin", "learned", "nerf",
                            "stable-diffusion", "{\"type\": 3}", "\"\\ud800\"", "1.5", "-0", "[0.5, 0.5, 0.5]", "9999999" };
        Fuzz.Run("--set", Fuzz.Cases(150), 6, (rng, _) =>
        {
            var tree = ConfigOverrides.Defaults();
            for (int n = rng.Next(1, 4); n > 0; n--)
            {
                var key = rng.Next(10) == 0 ? keys[rng.Next(keys.Count)] + ".x" : rng.Next(20) == 0 ? "" : keys[rng.Next(keys.Count)];
                var value = values[rng.Next(values.Length)];
                ConfigOverrides.Apply(tree, rng.Next(15) == 0 ? key + value : $"{key}={value}");
            }
            ReadAndValidate(tree, "--set");
        }, output);
    }
}
