using DreamTime.Batch;
using DreamTime.Models.Lora;
using DreamTime.Models.Unet;
using DreamTime.Runtime;
using DreamTime.Tests.Models.Diffusers;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Lora;

/// <summary>
/// Mutated LoRA files (both layouts: headers, keys, shapes, alphas, metadata) and mutated batch jobs files: each loads
/// (and a LoRA merges into a model it fits, or is refused before any weight changes) or fails with a one-line
/// UserError; never a crash.
/// </summary>
[Trait("Category", "fuzz")]
public sealed class LoraFuzzTests(ITestOutputHelper output)
{
    private static readonly Lazy<(byte[] Diffusers, byte[] Kohya)> Files = new(() =>
    {
        TorchRuntime.ConfigureAllocator();
        var dir = Directory.CreateTempSubdirectory("dt-lora-fuzz-").FullName;
        using var unet = new UNet2DConditionModel(PixelSpaceCheckpoint.UnetConfig);
        using var net = LoraNetwork.Attach(unet, "unet", new LoraSettings { Rank = 2, Alpha = 3, Targets = ["to_q", "to_out.0"] },
            new Generator(1));
        var a = Path.Combine(dir, "a.safetensors");
        var b = Path.Combine(dir, "b.safetensors");
        LoraFile.Write(a, net.ToLayers(), LoraLayout.Diffusers);
        LoraFile.Write(b, net.ToLayers(), LoraLayout.Kohya);
        var result = (File.ReadAllBytes(a), File.ReadAllBytes(b));
        Directory.Delete(dir, true);
        return result;
    });

    private static void ReadAndMerge(byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dt-lora-fuzz-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, bytes);
        try
        {
            using var unet = new UNet2DConditionModel(PixelSpaceCheckpoint.UnetConfig);
            Sd2StyleCheckpoint.RandomizeWeights(new Generator(3), unet); // a fresh module's norms may hold NaN, which equals nothing
            var before = unet.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
            try
            {
                LoraMerge.ApplyFile(new Dictionary<string, nn.Module> { ["unet"] = unet }, new LoraReference(path, 0.5));
            }
            catch (UserError e)
            {
                // refused: nothing may have changed
                foreach (var (name, p) in unet.named_parameters())
                    if (!p.eq(before[name]).all().item<bool>())
                        throw new InvalidOperationException($"a refused file changed {name} ({e.Message})");
                throw;
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void MutatedLoraFilesMergeOrFailWithOneLine()
    {
        Fuzz.Run("LoRA (diffusers)", Fuzz.Cases(60), 31, (rng, _) =>
        {
            var src = Files.Value.Diffusers;
            int header = 8 + (int)BitConverter.ToUInt64(src, 0);
            ReadAndMerge(rng.Next(4) == 0 ? Fuzz.MutateBytes(src, rng) : Fuzz.MutateBytes(src, rng, 8, header));
        }, output);
        Fuzz.Run("LoRA (kohya)", Fuzz.Cases(60), 32, (rng, _) =>
        {
            var src = Files.Value.Kohya;
            int header = 8 + (int)BitConverter.ToUInt64(src, 0);
            ReadAndMerge(rng.Next(4) == 0 ? Fuzz.MutateBytes(src, rng) : Fuzz.MutateBytes(src, rng, 8, header));
        }, output);
    }

    [Fact]
    public void MutatedJobsFilesAreReadOrRefusedNamingTheLine()
    {
        var valid = System.Text.Encoding.UTF8.GetBytes(
            "{\"prompt\": \"a red mushroom\", \"pipeline\": \"dreamfusion\", \"seed\": 3, \"iterations\": 5, " +
            "\"set\": [\"preview_every=0\"]}");
        Fuzz.Run("batch jobs (JSONL)", Fuzz.Cases(80), 33, (rng, _) =>
        {
            var path = Path.Combine(Path.GetTempPath(), $"dt-jobs-fuzz-{Guid.NewGuid():N}.jsonl");
            File.WriteAllBytes(path, Fuzz.MutateJson(valid, rng));
            try
            {
                foreach (var job in BatchJobsFile.Read(path)) job.ToConfig(path);
            }
            catch (UserError e) when (!e.Message.Contains(path))
            {
                throw new InvalidOperationException($"the error does not name the file: {e.Message}");
            }
            finally { File.Delete(path); }
        }, output);
    }
}
