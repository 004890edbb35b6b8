using DreamTime.Guidance;
using DreamTime.LearnedPrior;
using DreamTime.Models.Diffusers;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Guidance;

/// <summary>The model in models/learned-prior, copied beside the binaries, is what `--prior learned` loads.</summary>
public class ShippedModelTests
{
    [Fact]
    public void TheShippedModelIsAPixelSpacePriorOfTheTrainingConfigAndPredictsFiniteNoise()
    {
        var folder = ShippedModel.Folder;
        Assert.True(Directory.Exists(folder), $"{folder} is missing: the build copies models/learned-prior beside the binaries");
        var configPath = Path.Combine(folder, "training_config.json");
        var config = LearnedPriorConfig.FromJson(File.ReadAllText(configPath), configPath);
        using var pipe = StableDiffusionPipeline.Load(folder);
        Assert.True(pipe.IsPixelSpace);
        Assert.Equal(config.ImageSize, pipe.DefaultResolution);
        Assert.Equal(config.Channels.Select(c => (int)c), pipe.Unet.Config.BlockOutChannels.Select(c => (int)c));
        Assert.Equal(3, pipe.Unet.Config.InChannels);
        // stored in half precision (the repository's size limit), computed in float32 on the CPU
        Assert.Equal("float16", config.ModelDtype);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = randn(new long[] { 2, 3, config.ImageSize, config.ImageSize }, generator: new TorchSharp.torch.Generator(1));
        var eps = pipe.Unet.Forward(x, tensor(new long[] { 10, 900 }),
            cat(new[] { pipe.EncodePrompt("a snowman, front view"), pipe.EncodePrompt("") }, 0));
        Assert.True(isfinite(eps).all().item<bool>());
        // at t = 900 the input is almost all noise, so a trained epsilon-predictor returns nearly its input
        double rel = ((eps[1] - x[1]).norm() / x[1].norm()).item<float>();
        Assert.True(rel < 0.5, $"relative error of the noise prediction at t = 900: {rel:F3}");
    }
}
