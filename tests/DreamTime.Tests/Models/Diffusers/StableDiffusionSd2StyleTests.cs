using DreamTime.IO;
using DreamTime.Models.Diffusers;
using DreamTime.Models.Unet;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Diffusers;

/// <summary>An SD 2.x-style checkpoint (written with random weights) loads as its configs say, runs end to end and survives
/// save/load.</summary>
public class StableDiffusionSd2StyleTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dreamtime-sd2-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static long[] Ids(params long[] words)
    {
        var ids = new List<long> { 49406 };
        ids.AddRange(words);
        ids.Add(49407);
        while (ids.Count < 77) ids.Add(0); // SD 2.x pads with "!" (id 0)
        return ids.ToArray();
    }

    private static Tensor Generate(StableDiffusionPipeline p)
    {
        var cond = p.EncodeTokenIds(new[] { Ids(320, 1125, 539, 550, 18376) });
        var uncond = p.EncodeTokenIds(new[] { Ids() });
        var latents = torch.randn(new long[] { 1, 4, 8, 8 }, generator: new Generator(7));
        return p.DecodeToImages(p.Sample(cond, uncond, latents, 3, 5.0));
    }

    [Fact]
    public void ConfigSemanticsFollowDiffusers()
    {
        var c = UNetConfig.From(new ConfigJson("unet/config.json", Sd2StyleCheckpoint.UnetConfig));
        Assert.Equal(new[] { 2, 4, 4 }, c.AttentionHeads); // attention_head_dim is the head count
        Assert.True(c.UseLinearProjection);
        Assert.True(c.UpcastAttention);
        Assert.Equal(new[] { 1, 1, 1 }, c.LayersPerBlock);
        Assert.Equal(new[] { 32, 32, 32 }, c.CrossAttentionDim);
        var withHeads = (System.Text.Json.Nodes.JsonObject)Sd2StyleCheckpoint.UnetConfig.DeepClone();
        withHeads["num_attention_heads"] = 8;
        Assert.Equal(new[] { 8, 8, 8 }, UNetConfig.From(new ConfigJson("unet/config.json", withHeads)).AttentionHeads);
    }

    [Fact]
    public void LoadsRunsAndRoundTrips()
    {
        // the save/load image must match bit for bit, so both images need the same convolution kernels: a parallel
        // test that loads a pixel-space model switches libtorch's CPU kernels process-wide (3.7e-6 apart when it did)
        using var kernels = DreamTime.Runtime.TorchRuntime.WithoutOneDnnConvolutions();
        using var scope = NewDisposeScope();
        var (text, unet, vae) = Sd2StyleCheckpoint.Write(_dir, 11);
        using var p = StableDiffusionPipeline.Load(_dir);

        // weights arrive as stored: text encoder exactly, the fp16 UNet rounded, the float32 VAE (not the fp16 variant)
        AssertSameParameters(text, p.TextEncoder, null);
        AssertSameParameters(unet, p.Unet, ScalarType.Float16);
        AssertSameParameters(vae, p.Vae!, null);
        Assert.Equal(16, p.DefaultResolution);

        var image = Generate(p);
        Assert.Equal(new long[] { 1, 16, 16, 3 }, image.shape);
        Assert.True(image.isfinite().all().item<bool>());
        Assert.True(image.min().item<float>() >= 0 && image.max().item<float>() <= 1);
        Assert.True(image.std().item<float>() > 0);

        // pooled output with the legacy eos id 2 is taken at the largest id (argmax), i.e. the 49407 end token
        var ids = torch.tensor(Ids(320, 1125), new long[] { 1, 77 });
        using (torch.no_grad())
        {
            var o = p.TextEncoder.Forward(ids);
            TinySd.AssertClose(o.LastHiddenState[0, 3], o.Pooled[0], 0, "pooled = hidden state at the end token");
        }

        // save what was loaded, load it again: the same image
        var copy = _dir + "-copy";
        try
        {
            foreach (var f in new[] { "model_index.json", "scheduler/scheduler_config.json", "text_encoder/config.json", "unet/config.json",
                "vae/config.json" })
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, f))!);
                File.Copy(Path.Combine(_dir, f), Path.Combine(copy, f));
            }
            ComponentWeights.Save(p.TextEncoder, Path.Combine(copy, "text_encoder", "model.safetensors"));
            ComponentWeights.Save(p.Unet, Path.Combine(copy, "unet", "diffusion_pytorch_model.safetensors"));
            ComponentWeights.Save(p.Vae!, Path.Combine(copy, "vae", "diffusion_pytorch_model.safetensors"));
            using var p2 = StableDiffusionPipeline.Load(copy);
            TinySd.AssertClose(image, Generate(p2), 0, "image after save/load");
        }
        finally { Directory.Delete(copy, true); }
    }

    [Fact]
    public void Fp16VariantIsUsedWhenPreferred()
    {
        using var scope = NewDisposeScope();
        var (_, _, vae) = Sd2StyleCheckpoint.Write(_dir, 12);
        using var p = StableDiffusionPipeline.Load(_dir, preferFp16Variant: true);
        Assert.Equal(ScalarType.Float32, p.Dtype); // CPU computes in float32
        AssertSameParameters(vae, p.Vae!, ScalarType.Float16);
    }

    [Fact]
    public void HeadCountChangesTheOutput()
    {
        // the same weights read with another head count give another result: the per-block list is really used
        using var scope = NewDisposeScope();
        Sd2StyleCheckpoint.Write(_dir, 13);
        using var p = StableDiffusionPipeline.Load(_dir);
        var cfg2 = (System.Text.Json.Nodes.JsonObject)Sd2StyleCheckpoint.UnetConfig.DeepClone();
        cfg2["attention_head_dim"] = new System.Text.Json.Nodes.JsonArray(4, 4, 4);
        var other = new UNet2DConditionModel(UNetConfig.From(new ConfigJson("unet/config.json", cfg2)));
        using (torch.no_grad())
        {
            var src = p.Unet.named_parameters().ToDictionary(x => x.name, x => x.parameter);
            foreach (var (name, param) in other.named_parameters()) param.copy_(src[name]);
            var x = torch.randn(1, 4, 8, 8);
            var ctx = torch.randn(1, 77, 32);
            var a = p.Unet.Forward(x, 500, ctx);
            var b = other.Forward(x, 500, ctx);
            Assert.True(TinySd.MaxAbsDiff(a, b) > 1e-4);
        }
    }

    [Fact]
    public void TimestepFeaturesFollowTheSinusoidalFormula()
    {
        using var scope = NewDisposeScope();
        var t = torch.tensor(new long[] { 0, 37, 999 });
        foreach (var (flip, shift) in new[] { (true, 0.0), (false, 1.0) })
        {
            var f = TimestepEmbedding.SinusoidalFeatures(t, 6, flip, shift).data<float>().ToArray();
            long[] ts = { 0, 37, 999 };
            for (int b = 0; b < 3; b++)
                for (int i = 0; i < 3; i++)
                {
                    double arg = ts[b] * Math.Exp(-Math.Log(10000) * i / (3 - shift));
                    double sin = Math.Sin(arg), cos = Math.Cos(arg);
                    Assert.Equal(flip ? cos : sin, f[b * 6 + i], 3);
                    Assert.Equal(flip ? sin : cos, f[b * 6 + 3 + i], 3);
                }
        }
    }

    [Fact]
    public void UnetTakesOtherInputChannelCounts()
    {
        using var scope = NewDisposeScope();
        var cfg = (System.Text.Json.Nodes.JsonObject)Sd2StyleCheckpoint.UnetConfig.DeepClone();
        cfg["in_channels"] = 8;
        using var unet = new UNet2DConditionModel(UNetConfig.From(new ConfigJson("unet/config.json", cfg)));
        Assert.Equal(new long[] { 32, 8, 3, 3 }, unet.named_parameters().First(p => p.name == "conv_in.weight").parameter.shape);
        using (torch.no_grad())
        {
            // odd latent sizes go through too: the up path resizes to each skip connection
            var o = unet.Forward(torch.randn(2, 8, 9, 7), 10, torch.randn(2, 5, 32));
            Assert.Equal(new long[] { 2, 4, 9, 7 }, o.shape);
        }
    }

    private static void AssertSameParameters(nn.Module expected, nn.Module actual, ScalarType? roundedTo)
    {
        var e = expected.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        foreach (var (name, p) in actual.named_parameters())
        {
            var want = roundedTo is ScalarType d ? e[name].detach().to(d).to(ScalarType.Float32) : e[name].detach();
            double diff = TinySd.MaxAbsDiff(want, p);
            if (diff != 0) Assert.Fail($"parameter {name} differs by {diff}");
        }
    }
}
