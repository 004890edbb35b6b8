using DreamTime.Diffusion;
using DreamTime.Models.Clip;
using DreamTime.Models.Diffusers;
using DreamTime.Models.Unet;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Diffusers;

/// <summary>
/// A tiny pixel-space text-to-image model built in code (random weights, no VAE, 8x8 RGB, epsilon prediction on
/// Stable Diffusion's scaled_linear table), saved with <see cref="DiffusersWriter"/> into a temporary folder and
/// loaded back once. The in-memory models stay available as the reference the loaded pipeline must reproduce.
/// </summary>
public sealed class PixelSpaceCheckpoint : IDisposable
{
    public static readonly UNetConfig UnetConfig = new()
    {
        SampleSize = 8,
        InChannels = 3,
        OutChannels = 3,
        DownBlockTypes = new[] { "CrossAttnDownBlock2D", "DownBlock2D" },
        UpBlockTypes = new[] { "UpBlock2D", "CrossAttnUpBlock2D" },
        OnlyCrossAttention = new[] { false, false },
        BlockOutChannels = new[] { 16, 32 },
        LayersPerBlock = new[] { 1, 1 },
        NormNumGroups = 8,
        CrossAttentionDim = new[] { 32, 32 },
        TransformerLayersPerBlock = new[] { 1, 1 },
        AttentionHeads = new[] { 2, 4 },
    };

    public static readonly ClipTextConfig TextConfig = new()
    {
        HiddenSize = 32,
        IntermediateSize = 37,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
    };

    public static readonly SchedulerConfig SchedulerConfig = new()
    {
        BetaSchedule = "scaled_linear",
        BetaStart = 0.00085,
        BetaEnd = 0.012,
        ClipSample = false,
        SetAlphaToOne = false,
        StepsOffset = 1,
    };

    public string Root { get; } = Directory.CreateTempSubdirectory("dt-pixel-").FullName;
    public string Folder => Path.Combine(Root, "pixel-sd");
    public ClipTokenizer Tokenizer { get; }
    public ClipTextModel Text { get; }
    public UNet2DConditionModel Unet { get; }
    public StableDiffusionPipeline Pipeline => _pipeline.Value;
    private readonly Lazy<StableDiffusionPipeline> _pipeline;

    public PixelSpaceCheckpoint()
    {
        TorchRuntime.ConfigureAllocator();
        Tokenizer = ClipTokenizer.FromFolder(Path.Combine(Fixtures.TinySd15, "tokenizer"));
        Text = new ClipTextModel(TextConfig);
        Unet = new UNet2DConditionModel(UnetConfig);
        Sd2StyleCheckpoint.RandomizeWeights(new Generator(17), Text, Unet);
        foreach (var m in new nn.Module[] { Text, Unet }) m.eval();
        DiffusersWriter.SavePixelSpace(Folder, Tokenizer, Text, Unet, SchedulerConfig);
        _pipeline = new(() => StableDiffusionPipeline.Load(Folder));
    }

    /// <summary>The padded token ids of a prompt as a [1, 77] tensor.</summary>
    public Tensor Ids(string prompt) => torch.tensor(Tokenizer.EncodePadded(prompt, out _), new long[] { 1, Tokenizer.MaxLength });

    /// <summary>The in-memory text encoder's embedding of a prompt (no gradient).</summary>
    public Tensor Embedding(string prompt)
    {
        using var _ = torch.no_grad();
        return Text.Forward(Ids(prompt)).LastHiddenState;
    }

    /// <summary>The in-memory UNet's classifier-free-guided noise prediction u + g (c - u) (no gradient).</summary>
    public Tensor GuidedEps(Tensor x, int t, Tensor cond, Tensor uncond, double guidance)
    {
        using var _ = torch.no_grad();
        long b = x.shape[0];
        var c = Unet.Forward(x, t, cond.expand(b, cond.shape[1], cond.shape[2]));
        var u = Unet.Forward(x, t, uncond.expand(b, uncond.shape[1], uncond.shape[2]));
        return u.Plus((c - u).Times(guidance));
    }

    /// <summary>A copy of the saved folder that a test may break.</summary>
    public string CopyTo(string target)
    {
        foreach (var f in Directory.GetFiles(Folder, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(target, Path.GetRelativePath(Folder, f));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(f, to);
        }
        return target;
    }

    public void Dispose()
    {
        if (_pipeline.IsValueCreated) _pipeline.Value.Dispose();
        Text.Dispose();
        Unet.Dispose();
        try { Directory.Delete(Root, true); } catch (IOException) { }
    }
}
