using DreamTime.Diffusion;
using DreamTime.Models.Clip;
using DreamTime.Models.Diffusers;
using DreamTime.Models.Unet;
using DreamTime.Models.Vae;
using DreamTime.Tests.IO;
using Xunit;
using Xunit.Abstractions;

namespace DreamTime.Tests.Models.Diffusers;

/// <summary>
/// Mutated model_index.json and component configs of the tiny SD 1.5 fixture: every config is read (as the loader
/// reads them) and, for one case in six, the whole pipeline is loaded (modules built and weights matched).
/// </summary>
[Trait("Category", "fuzz")]
public class DiffusersConfigFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Files =
        { "model_index.json", "unet/config.json", "vae/config.json", "text_encoder/config.json", "scheduler/scheduler_config.json",
            "unet/diffusion_pytorch_model.safetensors.index.json" };

    [Fact]
    public void MutatedConfigsLoadOrFailCleanly()
    {
        var root = Directory.CreateTempSubdirectory("dt-cfg-fuzz-").FullName;
        try
        {
            var folder = Path.Combine(root, "sd");
            NonFiniteWeightsTests.CopyFolder(Fixtures.TinySd15, folder);
            File.Delete(Path.Combine(folder, "reference_outputs.safetensors"));
            var originals = Files.Take(5).ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(folder, f)));
            // the unet's weights as one shard named by an index, fuzzed like the configs when chosen (the single file is then hidden)
            var weights = Path.Combine(folder, "unet", "diffusion_pytorch_model.safetensors");
            File.Copy(weights, Path.Combine(folder, "unet", "shard-1.safetensors"));
            var keys = DreamTime.IO.SafetensorsFile.Open(weights).Entries.Keys;
            var index = System.Text.Encoding.UTF8.GetBytes(new System.Text.Json.Nodes.JsonObject
            {
                ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["total_size"] = new FileInfo(weights).Length },
                ["weight_map"] = new System.Text.Json.Nodes.JsonObject(keys.Select(k =>
                KeyValuePair.Create(k, (System.Text.Json.Nodes.JsonNode?)"shard-1.safetensors"))),
            }.ToJsonString());
            var hidden = weights + ".hidden";
            Fuzz.Run("diffusers configs", Fuzz.Cases(120), 3, (rng, i) =>
            {
                var file = Files[rng.Next(Files.Length)];
                var path = Path.Combine(folder, file);
                bool sharded = file.EndsWith("index.json");
                if (sharded) File.Move(weights, hidden);
                File.WriteAllBytes(path, Fuzz.MutateJson(sharded ? index : originals[file], rng));
                try
                {
                    if (i % 6 == 0 || sharded) { StableDiffusionPipeline.Load(folder).Dispose(); return; }
                    var sd = DiffusersFolder.Open(folder);
                    SchedulerConfig.From(sd.ComponentConfig("scheduler", "scheduler_config.json", null));
                    ClipTextConfig.From(sd.ComponentConfig("text_encoder", "config.json", "CLIPTextModel"));
                    UNetConfig.From(sd.ComponentConfig("unet", "config.json", "UNet2DConditionModel"));
                    if (!sd.IsPixelSpace()) AutoencoderKLConfig.From(sd.ComponentConfig("vae", "config.json", "AutoencoderKL"));
                }
                finally
                {
                    if (sharded) { File.Delete(path); File.Move(hidden, weights); }
                    else File.WriteAllBytes(path, originals[file]);
                }
            }, output);
        }
        finally { Directory.Delete(root, true); }
    }
}
