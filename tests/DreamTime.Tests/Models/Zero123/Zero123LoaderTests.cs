using System.Text.Json.Nodes;
using DreamTime.Models.Zero123;
using DreamTime.Runtime;
using Xunit;

namespace DreamTime.Tests.Models.Zero123;

/// <summary>Folders that are not a usable Zero-1-to-3 checkpoint fail with one line naming the folder, component or file.</summary>
public class Zero123LoaderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dreamtime-bad-zero123-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string CopyFixture()
    {
        foreach (var f in Directory.GetFiles(Fixtures.TinyZero123, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(_dir, Path.GetRelativePath(Fixtures.TinyZero123, f));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(f, target);
            File.SetAttributes(target, FileAttributes.Normal);
        }
        return _dir;
    }

    private static string LoadError(string dir)
    {
        var e = Assert.Throws<UserError>(() => Zero123Pipeline.Load(dir).Dispose());
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    private void EditJson(string relative, Action<JsonObject> edit)
    {
        var path = Path.Combine(_dir, relative);
        var node = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(node);
        File.WriteAllText(path, node.ToJsonString());
    }

    [Fact]
    public void TheFixtureLoads()
    {
        using var p = Zero123Pipeline.Load(CopyFixture());
        Assert.Equal(8, p.Unet.Config.InChannels);
        Assert.Equal(32, p.ImageEncoder.Config.ImageSize);
    }

    /// <summary>
    /// Tests and callers load inside their own dispose scopes; parameters that joined such a scope (the vision
    /// embeddings' did) vanish from the model when it ends, and the next forward fails.
    /// </summary>
    [Fact]
    public void PipelineLoadedInsideADisposeScopeKeepsEveryParameter()
    {
        Zero123Pipeline p;
        using (TorchSharp.torch.NewDisposeScope()) p = Zero123Pipeline.Load(Fixtures.TinyZero123);
        using (p)
        {
            var stored = DreamTime.IO.SafetensorsFile.Open(Path.Combine(Fixtures.TinyZero123, "image_encoder",
                "model.safetensors")).Entries.Count;
            Assert.Equal(stored, p.ImageEncoder.named_parameters().Count());
            Assert.Equal(2, p.CcProjection.named_parameters().Count());
            var fresh = new DreamTime.Models.Unet.UNet2DConditionModel(p.Unet.Config);
            Assert.Equal(fresh.named_parameters().Count(), p.Unet.named_parameters().Count());
            var freshVae = new DreamTime.Models.Vae.AutoencoderKL(p.Vae.Config);
            Assert.Equal(freshVae.named_parameters().Count(), p.Vae.named_parameters().Count());
            using var scope = TorchSharp.torch.NewDisposeScope();
            Assert.Equal(new long[] { 1, 32 }, p.ImageEncoder.Forward(TorchSharp.torch.zeros(1, 3, 32, 32)).ImageEmbeds.shape);
        }
    }

    [Fact]
    public void TextToImageFolderIsNotZero123()
    {
        var m = LoadError(Fixtures.TinySd15);
        Assert.Contains("not a Zero-1-to-3 checkpoint", m);
        Assert.Contains(Fixtures.TinySd15, m);
        Assert.Contains("image_encoder", m);
    }

    [Fact]
    public void UnetWithFourInputChannelsIsNotZero123()
    {
        CopyFixture();
        EditJson(Path.Combine("unet", "config.json"), c => c["in_channels"] = 4);
        var m = LoadError(_dir);
        Assert.Contains(Path.Combine(_dir, "unet", "config.json"), m);
        Assert.Contains("in_channels 4", m);
        Assert.Contains("not a Zero-1-to-3 checkpoint", m);
    }

    [Fact]
    public void MissingComponentIsNamed()
    {
        CopyFixture();
        Directory.Delete(Path.Combine(_dir, "cc_projection"), true);
        Assert.Contains("missing component folder cc_projection/", LoadError(_dir));

        EditJson("model_index.json", c => c.Remove("vae"));
        var m = LoadError(_dir);
        Assert.Contains("component 'vae' is missing", m);
        Assert.Contains(Path.Combine(_dir, "model_index.json"), m);
    }

    [Fact]
    public void MissingWeightsAreNamed()
    {
        CopyFixture();
        File.Delete(Path.Combine(_dir, "image_encoder", "model.safetensors"));
        var m = LoadError(_dir);
        Assert.Contains("no image_encoder weights", m);
        Assert.Contains(Path.Combine(_dir, "image_encoder"), m);
    }

    [Fact]
    public void TruncatedSafetensorsIsReported()
    {
        CopyFixture();
        var path = Path.Combine(_dir, "cc_projection", "diffusion_pytorch_model.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var m = LoadError(_dir);
        Assert.Contains(path, m);
        Assert.Contains("truncated", m);
    }

    [Fact]
    public void CorruptConfigIsReported()
    {
        CopyFixture();
        var path = Path.Combine(_dir, "image_encoder", "config.json");
        File.WriteAllText(path, "{\"hidden_size\": 32,");
        var m = LoadError(_dir);
        Assert.Contains(path, m);
        Assert.Contains("invalid JSON", m);
    }

    [Fact]
    public void EncoderConfigThatDoesNotMatchTheWeightsNamesKeyAndShapes()
    {
        CopyFixture();
        EditJson(Path.Combine("image_encoder", "config.json"), c => c["intermediate_size"] = 40);
        var m = LoadError(_dir);
        Assert.Contains("'vision_model.encoder.layers.0.mlp.fc1.weight'", m);
        Assert.Contains("[37,32]", m);
        Assert.Contains("[40,32]", m);
    }

    [Fact]
    public void CcProjectionThatDoesNotFitTheEncoderIsRefused()
    {
        CopyFixture();
        EditJson(Path.Combine("cc_projection", "config.json"), c => c["in_channel"] = 40);
        var m = LoadError(_dir);
        Assert.Contains(Path.Combine(_dir, "cc_projection", "config.json"), m);
        Assert.Contains("in_channel 40", m);
        Assert.Contains("36", m);
    }
}
