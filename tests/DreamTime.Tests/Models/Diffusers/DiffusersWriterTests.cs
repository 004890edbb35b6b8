using System.Text.Json.Nodes;
using DreamTime.Diffusion;
using DreamTime.IO;
using DreamTime.Models.Clip;
using DreamTime.Models.Diffusers;
using DreamTime.Models.Unet;
using DreamTime.Runtime;
using Xunit;

namespace DreamTime.Tests.Models.Diffusers;

/// <summary>The diffusers folder DiffusersWriter writes: layout, key names, configs that read back equal, atomic replacement.</summary>
public class DiffusersWriterTests(PixelSpaceCheckpoint checkpoint) : IClassFixture<PixelSpaceCheckpoint>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-writer-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static JsonObject ReadJson(params string[] path) => JsonNode.Parse(File.ReadAllText(Path.Combine(path)))!.AsObject();

    private ConfigJson RoundTrip(string name, JsonObject json)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, json.ToJsonString());
        return ConfigJson.Read(path);
    }

    [Fact]
    public void TheFolderHasTheLayoutDiffusersAndTransformersWrite()
    {
        var folder = checkpoint.Folder;
        var index = ReadJson(folder, "model_index.json");
        Assert.Equal("StableDiffusionPipeline", (string?)index["_class_name"]);
        Assert.True(index["vae"] is JsonArray { Count: 2 } vae && vae.All(e => e is null), $"vae entry {index["vae"]?.ToJsonString()}");
        foreach (var (component, library, cls) in new[] { ("unet", "diffusers", "UNet2DConditionModel"),
                                                          ("text_encoder", "transformers", "CLIPTextModel"),
                                                          ("tokenizer", "transformers", "CLIPTokenizer"),
                                                          ("scheduler", "diffusers", "DDIMScheduler") })
        {
            Assert.Equal(library, (string?)index[component]![0]);
            Assert.Equal(cls, (string?)index[component]![1]);
        }
        Assert.False(Directory.Exists(Path.Combine(folder, "vae")));

        var text = SafetensorsFile.Open(Path.Combine(folder, "text_encoder", "model.safetensors"));
        Assert.All(text.Entries.Keys, k => Assert.StartsWith("text_model.", k));
        Assert.Contains("text_model.embeddings.token_embedding.weight", text.Entries.Keys);
        Assert.Equal("pt", text.Metadata["format"]);
        var unet = SafetensorsFile.Open(Path.Combine(folder, "unet", "diffusion_pytorch_model.safetensors"));
        Assert.Equal(new long[] { 16, 3, 3, 3 }, unet.Entries["conv_in.weight"].Shape);
        Assert.Equal("F32", unet.Entries["conv_in.weight"].DType);

        var unetConfig = ReadJson(folder, "unet", "config.json");
        Assert.Equal("UNet2DConditionModel", (string?)unetConfig["_class_name"]);
        Assert.Equal("[2,4]", unetConfig["attention_head_dim"]!.ToJsonString());
        Assert.Equal(32, (int)unetConfig["cross_attention_dim"]!);
        Assert.Equal("clip_text_model", (string?)ReadJson(folder, "text_encoder", "config.json")["model_type"]);
        Assert.Equal("DDIMScheduler", (string?)ReadJson(folder, "scheduler", "scheduler_config.json")["_class_name"]);

        var source = Path.Combine(Fixtures.TinySd15, "tokenizer");
        foreach (var name in new[] { "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(source, name)), File.ReadAllBytes(Path.Combine(folder, "tokenizer", name)));
    }

    [Fact]
    public void ConfigsReadBackEqual()
    {
        // every field away from its default, so a key that the reader ignored would show
        var unet = new UNetConfig
        {
            SampleSize = 12,
            InChannels = 3,
            OutChannels = 6,
            CenterInputSample = true,
            FlipSinToCos = false,
            FreqShift = 1,
            DownBlockTypes = new[] { "CrossAttnDownBlock2D", "DownBlock2D" },
            MidBlockType = null,
            UpBlockTypes = new[] { "UpBlock2D", "CrossAttnUpBlock2D" },
            OnlyCrossAttention = new[] { true, false },
            BlockOutChannels = new[] { 16, 24 },
            LayersPerBlock = new[] { 1, 2 },
            DownsamplePadding = 0,
            MidBlockScaleFactor = 1.5,
            ActFn = "gelu",
            NormNumGroups = 8,
            NormEps = 1e-6,
            CrossAttentionDim = new[] { 24, 32 },
            TransformerLayersPerBlock = new[] { 2, 1 },
            AttentionHeads = new[] { 2, 4 },
            UseLinearProjection = true,
            UpcastAttention = true,
            ResnetOutScaleFactor = 2,
            ConvInKernel = 5,
            ConvOutKernel = 1,
            TimeEmbeddingDim = 48,
        };
        var unetBack = UNetConfig.From(RoundTrip("unet.json", unet.ToJson()));
        Assert.Null(unetBack.MidBlockType);
        Assert.Equal(unet.ToJson().ToJsonString(), unetBack.ToJson().ToJsonString());
        Assert.Equal(unet.AttentionHeads, unetBack.AttentionHeads);
        Assert.Equal(new[] { 32, 32 },
            UNetConfig.From(RoundTrip("uniform.json", (unet with { CrossAttentionDim = new[] { 32, 32 } }).ToJson())).CrossAttentionDim);

        var text = new ClipTextConfig
        {
            VocabSize = 1000,
            HiddenSize = 24,
            IntermediateSize = 40,
            NumHiddenLayers = 3,
            NumAttentionHeads = 3,
            MaxPositionEmbeddings = 16,
            HiddenAct = "gelu",
            LayerNormEps = 1e-6,
            EosTokenId = 2,
        };
        Assert.Equal(text, ClipTextConfig.From(RoundTrip("text.json", text.ToJson())));

        var ddim = new SchedulerConfig
        {
            TrainTimesteps = 500,
            BetaStart = 0.00085,
            BetaEnd = 0.012,
            BetaSchedule = "scaled_linear",
            ClipSample = false,
            ClipSampleRange = 2,
            SetAlphaToOne = false,
            StepsOffset = 1,
            PredictionType = "v_prediction",
            TimestepSpacing = "trailing",
        };
        Assert.Equal(ddim, SchedulerConfig.From(RoundTrip("scheduler.json", ddim.ToJson())));
        var ddpm = ddim with { ClassName = SchedulerConfig.DdpmClass };
        Assert.Equal(ddpm, SchedulerConfig.From(RoundTrip("scheduler-ddpm.json", ddpm.ToJson())));
        Assert.Equal("ddpm", SchedulerConfig.From(RoundTrip("scheduler-ddpm.json", ddpm.ToJson())).Sampler);
    }

    [Fact]
    public void SavingReplacesTheFolderWholeAndLeavesNothingBeside()
    {
        var target = Path.Combine(_dir, "model");
        Directory.CreateDirectory(Path.Combine(target, "vae"));
        File.WriteAllText(Path.Combine(target, "stale.txt"), "from before");
        DiffusersWriter.SavePixelSpace(target, checkpoint.Tokenizer, checkpoint.Text, checkpoint.Unet,
            PixelSpaceCheckpoint.SchedulerConfig);
        Assert.False(File.Exists(Path.Combine(target, "stale.txt")));
        Assert.False(Directory.Exists(Path.Combine(target, "vae")));
        Assert.Equal(new[] { "model" }, Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName).ToArray());
        Assert.Equal(File.ReadAllBytes(Path.Combine(checkpoint.Folder, "unet", "diffusion_pytorch_model.safetensors")),
            File.ReadAllBytes(Path.Combine(target, "unet", "diffusion_pytorch_model.safetensors")));
    }

    [Fact]
    public void AFailedSaveKeepsThePreviousFolder()
    {
        var target = checkpoint.CopyTo(Path.Combine(_dir, "model"));
        var fourChannels = new UNet2DConditionModel(PixelSpaceCheckpoint.UnetConfig with { InChannels = 4, OutChannels = 4 });
        Assert.Throws<ArgumentException>(() =>
            DiffusersWriter.SavePixelSpace(target, checkpoint.Tokenizer, checkpoint.Text, fourChannels,
            PixelSpaceCheckpoint.SchedulerConfig));
        var missingTokenizer = Directory.CreateDirectory(Path.Combine(_dir, "tokenizer-copy")).FullName;
        foreach (var f in Directory.GetFiles(Path.Combine(Fixtures.TinySd15, "tokenizer")))
            File.Copy(f, Path.Combine(missingTokenizer, Path.GetFileName(f)));
        var tokenizer = ClipTokenizer.FromFolder(missingTokenizer);
        File.Delete(Path.Combine(missingTokenizer, "merges.txt"));
        var e = Assert.Throws<UserError>(() =>
            DiffusersWriter.SavePixelSpace(target, tokenizer, checkpoint.Text, checkpoint.Unet, PixelSpaceCheckpoint.SchedulerConfig));
        Assert.Contains(Path.Combine(missingTokenizer, "merges.txt"), e.Message);
        Assert.True(File.Exists(Path.Combine(target, "model_index.json")));
        Assert.False(Directory.Exists(Path.Combine(_dir, ".tmp-model")));
    }

    [Fact]
    public void ATokenizerWithoutJsonConfigsIsSavedWithThemWritten()
    {
        var source = Directory.CreateDirectory(Path.Combine(_dir, "bare")).FullName;
        foreach (var name in new[] { "vocab.json", "merges.txt" })
            File.Copy(Path.Combine(Fixtures.TinySd15, "tokenizer", name), Path.Combine(source, name));
        var saved = Path.Combine(_dir, "saved");
        ClipTokenizer.FromFolder(source).Save(saved);
        Assert.True(File.Exists(Path.Combine(saved, "tokenizer_config.json")));
        Assert.Equal("<|startoftext|>", (string?)ReadJson(saved, "special_tokens_map.json")["bos_token"]);
        var back = ClipTokenizer.FromFolder(saved);
        Assert.Equal(77, back.MaxLength);
        const string prompt = "a DSLR photo of a hamburger!";
        Assert.Equal(checkpoint.Tokenizer.EncodePadded(prompt, out _), back.EncodePadded(prompt, out _));
        Assert.Equal((checkpoint.Tokenizer.BosId, checkpoint.Tokenizer.EosId, checkpoint.Tokenizer.PadId),
            (back.BosId, back.EosId, back.PadId));
    }
}
