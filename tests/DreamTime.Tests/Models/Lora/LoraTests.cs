using DreamTime.Models.Clip;
using DreamTime.Models.Lora;
using DreamTime.Models.Unet;
using DreamTime.Runtime;
using DreamTime.Tests.Models.Diffusers;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Lora;

public sealed class LoraTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-lora-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static UNet2DConditionModel Unet(int seed)
    {
        TorchRuntime.ConfigureAllocator();
        var unet = new UNet2DConditionModel(PixelSpaceCheckpoint.UnetConfig);
        Sd2StyleCheckpoint.RandomizeWeights(new Generator((ulong)seed), unet);
        unet.eval();
        foreach (var p in unet.parameters()) p.requires_grad = false;
        return unet;
    }

    private static ClipTextModel Text(int seed)
    {
        var text = new ClipTextModel(PixelSpaceCheckpoint.TextConfig);
        Sd2StyleCheckpoint.RandomizeWeights(new Generator((ulong)seed), text);
        text.eval();
        return text;
    }

    /// <summary>A network whose B is random too (a fresh one is exactly zero, which would hide every mistake).</summary>
    private static LoraNetwork TrainedNetwork(nn.Module model, string component, LoraSettings settings, int seed)
    {
        var net = LoraNetwork.Attach(model, component, settings, new Generator((ulong)seed));
        var g = new Generator((ulong)seed + 1);
        using var _ = no_grad();
        foreach (var a in net.Adapters.Values) a.Up.copy_(torch.randn(a.Up.shape, generator: g).Times(0.3));
        return net;
    }

    private static Tensor Predict(UNet2DConditionModel unet)
    {
        using var _ = no_grad();
        var g = new Generator(5);
        var x = torch.randn(new long[] { 2, 3, 8, 8 }, generator: g);
        var ctx = torch.randn(new long[] { 2, 7, 32 }, generator: g);
        return unet.Forward(x, 500, ctx);
    }

    private static Dictionary<string, Tensor> Weights(nn.Module m) =>
        m.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());

    [Fact]
    public void MergedWeightIsWPlusScaledBA()
    {
        using var unet = Unet(1);
        var before = Weights(unet);
        using var net = TrainedNetwork(unet, "unet", new LoraSettings { Rank = 2, Alpha = 3 }, 7);
        var layers = net.ToLayers();
        const double scale = 0.7;
        using var copy = Unet(1);
        int merged = LoraMerge.Apply(new Dictionary<string, nn.Module> { ["unet"] = copy }, layers, scale, "test");
        Assert.Equal(layers.Count, merged);
        var after = Weights(copy);
        foreach (var l in layers)
        {
            // closed form in float64: W + scale * (alpha / r) * B A
            var expected = before[l.Module + ".weight"].to(ScalarType.Float64)
                .Plus(l.Up.detach().to(ScalarType.Float64).matmul(l.Down.detach().to(ScalarType.Float64)).Times(scale * 3.0 / 2.0));
            double diff = (after[l.Module + ".weight"].to(ScalarType.Float64) - expected).abs().max().item<double>();
            Assert.True(diff < 1e-6, $"{l.Module}: {diff}");
        }
        // every other weight is untouched
        foreach (var (name, w) in before.Where(kv => !layers.Any(l => l.Module + ".weight" == kv.Key)))
            Assert.True(w.eq(after[name]).all().item<bool>(), name);
    }

    [Fact]
    public void AttachedNetworkComputesWhatItsMergeComputes()
    {
        using var unet = Unet(2);
        using var baseline = Predict(unet);
        using var net = TrainedNetwork(unet, "unet", new LoraSettings { Rank = 4 }, 3);
        using var adapted = Predict(unet);
        Assert.True((adapted - baseline).abs().max().item<float>() > 1e-3, "the adapters change nothing");

        using var merged = Unet(2);
        LoraMerge.Apply(new Dictionary<string, nn.Module> { ["unet"] = merged }, net.ToLayers(), 1, "test");
        using var fromMerge = Predict(merged);
        Assert.True((adapted - fromMerge).abs().max().item<float>() < 1e-4);

        // switched off, or removed, the network leaves the base model: equal up to the convolution kernel's rounding (parallel
        // tests switch oneDNN on and off), far below what the adapters change
        net.Enabled = false;
        using var off = Predict(unet);
        Assert.True((off - baseline).abs().max().item<float>() < 1e-5);
        net.Enabled = true;
        net.Dispose();
        using var removed = Predict(unet);
        Assert.True((removed - baseline).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void AdaptersLeaveTheStateDictAsDiffusersNamesIt()
    {
        using var unet = Unet(3);
        var keys = unet.state_dict().Keys.ToList();
        using var net = LoraNetwork.Attach(unet, "unet", new LoraSettings { Targets = ["to_q", "to_v"] }, new Generator(0));
        Assert.Equal(keys, unet.state_dict().Keys.ToList());
        Assert.All(net.Adapters.Keys, k => Assert.True(k.EndsWith(".to_q") || k.EndsWith(".to_v"), k));
        // attn1 and attn2 of each transformer: one in down block 0, one in the mid block, two in up block 1
        Assert.Equal(4 * 2 * 2, net.Adapters.Count);
    }

    [Theory]
    [InlineData(LoraLayout.Diffusers)]
    [InlineData(LoraLayout.Kohya)]
    public void BothLayoutsRoundTrip(LoraLayout layout)
    {
        using var unet = Unet(4);
        using var text = Text(4);
        using var unetNet = TrainedNetwork(unet, "unet", new LoraSettings { Rank = 3, Alpha = 1.5 }, 11);
        using var textNet = TrainedNetwork(text, "text_encoder", new LoraSettings { Rank = 3, Alpha = 1.5 }, 12);
        var written = unetNet.ToLayers().Concat(textNet.ToLayers()).ToList();
        var path = Path.Combine(_dir, $"{layout}.safetensors");
        LoraFile.Write(path, written, layout);

        var read = LoraFile.Read(path);
        Assert.Equal(written.Count, read.Count);
        Assert.All(read, l => Assert.Equal(1.5, l.Alpha, 6));
        Assert.All(read, l => Assert.Equal(layout == LoraLayout.Kohya, l.Flattened));

        // merged into fresh copies, the file and the network give the same weights
        var fromFile = new Dictionary<string, nn.Module> { ["unet"] = Unet(4), ["text_encoder"] = Text(4) };
        var fromNet = new Dictionary<string, nn.Module> { ["unet"] = Unet(4), ["text_encoder"] = Text(4) };
        Assert.Equal(written.Count, LoraMerge.Apply(fromFile, read, 0.5, path));
        LoraMerge.Apply(fromNet, written, 0.5, "network");
        foreach (var c in new[] { "unet", "text_encoder" })
        {
            var a = Weights(fromFile[c]);
            foreach (var (name, w) in Weights(fromNet[c])) Assert.True(w.eq(a[name]).all().item<bool>(), $"{c} {name}");
        }
        var keys = SafetensorsKeys(path);
        if (layout == LoraLayout.Diffusers)
        {
            Assert.Contains("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight", keys);
            Assert.Contains("text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_B.weight", keys);
        }
        else
        {
            Assert.Contains("lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_down.weight", keys);
            Assert.Contains("lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight", keys);
            Assert.Contains("lora_te_text_model_encoder_layers_0_self_attn_q_proj.alpha", keys);
        }
    }

    private static List<string> SafetensorsKeys(string path) => DreamTime.IO.SafetensorsFile.Open(path).Entries.Keys.ToList();

    [Fact]
    public void AFileForAnotherModelIsRefusedNamingTheKeyAndBothShapes()
    {
        using var unet = Unet(5);
        using var net = TrainedNetwork(unet, "unet", new LoraSettings(), 1);
        var path = Path.Combine(_dir, "tiny.safetensors");
        LoraFile.Write(path, net.ToLayers(), LoraLayout.Kohya);

        // the SD 1.5 fixture's to_q is [32, 32] where this tiny UNet's first block's is [16, 16]
        var before = Weights(TinySd.Pipeline.Unet);
        var e = Assert.Throws<UserError>(() => TinySd.Pipeline.ApplyLora(new LoraReference(path, 1)));
        Assert.Contains(path, e.Message);
        Assert.Matches(@"lora_unet_\w+\.lora_down\.weight", e.Message);
        Assert.Matches(@"shape \[\d+, \d+\] but unet '[\w.]+\.weight' has shape \[\d+, \d+\]", e.Message);
        foreach (var (name, w) in Weights(TinySd.Pipeline.Unet)) Assert.True(w.eq(before[name]).all().item<bool>(), name);

        // a key that names no module at all
        var stray = Path.Combine(_dir, "stray.safetensors");
        DreamTime.IO.SafetensorsFile.Save(stray, new Dictionary<string, Tensor>
        {
            ["unet.no_such_block.to_q.lora_A.weight"] = torch.zeros(2, 16),
            ["unet.no_such_block.to_q.lora_B.weight"] = torch.zeros(16, 2),
        });
        var e2 = Assert.Throws<UserError>(() =>
            LoraMerge.Apply(new Dictionary<string, nn.Module> { ["unet"] = unet }, LoraFile.Read(stray), 1, stray));
        Assert.Contains("'unet.no_such_block.to_q.lora_A.weight' matches no module", e2.Message);

        // mismatched ranks inside the file, and a file with no LoRA in it
        var badRank = Path.Combine(_dir, "rank.safetensors");
        DreamTime.IO.SafetensorsFile.Save(badRank, new Dictionary<string, Tensor>
        {
            ["lora_unet_x.lora_down.weight"] = torch.zeros(4, 16),
            ["lora_unet_x.lora_up.weight"] = torch.zeros(16, 2),
        });
        Assert.Contains("rank 4", Assert.Throws<UserError>(() => LoraFile.Read(badRank)).Message);
        var none = Path.Combine(_dir, "none.safetensors");
        DreamTime.IO.SafetensorsFile.Save(none, new Dictionary<string, Tensor> { ["weight"] = torch.zeros(2) });
        Assert.Contains("no LoRA weights found", Assert.Throws<UserError>(() => LoraFile.Read(none)).Message);
    }

    [Theory]
    [InlineData("a.safetensors", "a.safetensors", 1.0)]
    [InlineData("a.safetensors:0.5", "a.safetensors", 0.5)]
    [InlineData("/x/y:z/a.safetensors:-1", "/x/y:z/a.safetensors", -1.0)]
    public void ReferencesParseFileAndScale(string text, string file, double scale)
    {
        var r = LoraFile.ParseReference(text);
        Assert.Equal(file, r.File);
        Assert.Equal(scale, r.Scale);
    }
}
