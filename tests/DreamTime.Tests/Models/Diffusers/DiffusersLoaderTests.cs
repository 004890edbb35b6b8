using System.Text.Json.Nodes;
using DreamTime.IO;
using DreamTime.Models.Diffusers;
using DreamTime.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Diffusers;

/// <summary>Bad checkpoint folders fail with one line that names the file, key or shapes at fault.</summary>
public class DiffusersLoaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dreamtime-bad-sd-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string CopyFixture()
    {
        foreach (var f in Directory.GetFiles(Fixtures.TinySd15, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_dir, Path.GetRelativePath(Fixtures.TinySd15, f));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(f, target);
        }
        return _dir;
    }

    private static string LoadError(string dir)
    {
        var e = Assert.Throws<UserError>(() => StableDiffusionPipeline.Load(dir).Dispose());
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    private string UnetWeights => Path.Combine(_dir, "unet", "diffusion_pytorch_model.safetensors");

    [Fact]
    public void FolderWithoutModelIndexIsNotACheckpoint()
    {
        Directory.CreateDirectory(_dir);
        Assert.Contains("not a diffusers checkpoint", LoadError(_dir));
        Assert.Contains("folder not found", LoadError(Path.Combine(_dir, "nope")));
    }

    [Fact]
    public void MissingComponentAndMissingWeightsAreNamed()
    {
        CopyFixture();
        File.Delete(UnetWeights);
        var m = LoadError(_dir);
        Assert.Contains("no unet weights", m);
        Assert.Contains(Path.Combine(_dir, "unet"), m);

        Directory.Delete(Path.Combine(_dir, "vae"), true);
        Assert.Contains("missing component folder vae/", LoadError(_dir));
    }

    [Fact]
    public void TruncatedSafetensorsIsReported()
    {
        CopyFixture();
        var bytes = File.ReadAllBytes(UnetWeights);
        File.WriteAllBytes(UnetWeights, bytes[..(bytes.Length - 1000)]);
        var m = LoadError(_dir);
        Assert.Contains(UnetWeights, m);
        Assert.Contains("truncated", m);
    }

    [Fact]
    public void ConfigThatDoesNotMatchTheWeightsNamesKeyAndShapes()
    {
        CopyFixture();
        var path = Path.Combine(_dir, "unet", "config.json");
        var cfg = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        cfg["block_out_channels"] = new JsonArray(32, 32, 64, 96);
        File.WriteAllText(path, cfg.ToJsonString());
        var m = LoadError(_dir);
        Assert.Contains("'down_blocks.3.resnets.0.conv1.weight'", m);
        Assert.Contains("[64,64,3,3]", m);
        Assert.Contains("[96,64,3,3]", m);
    }

    [Fact]
    public void MissingAndUnexpectedKeysAreNamed()
    {
        CopyFixture();
        var file = SafetensorsFile.Open(UnetWeights);
        var all = file.LoadAll();
        var without = all.Where(kv => kv.Key != "conv_out.bias").ToDictionary(kv => kv.Key, kv => kv.Value);
        SafetensorsFile.Save(UnetWeights, without);
        var m = LoadError(_dir);
        Assert.Contains("missing", m);
        Assert.Contains("'conv_out.bias'", m);

        all["extra.weight"] = zeros(3);
        SafetensorsFile.Save(UnetWeights, all);
        m = LoadError(_dir);
        Assert.Contains("does not explain", m);
        Assert.Contains("'extra.weight'", m);
    }

    [Fact]
    public void UnsupportedConfigFeatureIsRefusedByName()
    {
        CopyFixture();
        var path = Path.Combine(_dir, "unet", "config.json");
        var cfg = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        cfg["class_embed_type"] = "timestep";
        File.WriteAllText(path, cfg.ToJsonString());
        var m = LoadError(_dir);
        Assert.Contains("class_embed_type", m);
        Assert.Contains(path, m);
    }
}
