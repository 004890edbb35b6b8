using System.CommandLine;
using System.Text.Json.Nodes;
using DreamTime.Cli.Commands;
using DreamTime.Configuration;
using DreamTime.Guidance.StableDiffusion;
using DreamTime.IO;
using DreamTime.Models.Diffusers;
using DreamTime.Rendering;
using DreamTime.Representations;
using DreamTime.Runtime;
using DreamTime.Tests.Training;
using DreamTime.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Diffusers;

/// <summary>A diffusers folder without a VAE: loading, text-to-image, score distillation and training on it.</summary>
public class PixelSpacePipelineTests(PixelSpaceCheckpoint checkpoint) : IClassFixture<PixelSpaceCheckpoint>, IDisposable
{
    private const string Mushroom = "a red mushroom";
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-pixel-test-").FullName;
    private StableDiffusionPipeline P => checkpoint.Pipeline;

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Fact]
    public void LoadedPipelinePredictsExactlyAsTheSavedModels()
    {
        using var scope = NewDisposeScope();
        Assert.True(P.IsPixelSpace);
        Assert.Null(P.Vae);
        Assert.Equal(1, P.VaeScaleFactor);
        Assert.Equal(8, P.DefaultResolution);
        Assert.Equal(new long[] { 1, 3, 8, 12 }, P.LatentShape(8, 12));
        Assert.Equal(PixelSpaceCheckpoint.SchedulerConfig, P.SchedulerConfig);
        Assert.Equal(PixelSpaceCheckpoint.TextConfig, P.TextEncoder.Config);
        Assert.Equal(PixelSpaceCheckpoint.UnetConfig.ToJson().ToJsonString(), P.Unet.Config.ToJson().ToJsonString());

        var embedding = P.EncodePrompt(Mushroom);
        // the same weights give the same outputs up to thread-split rounding (not bit for bit when tests run in parallel;
        // the weights themselves round-trip bit for bit)
        Assert.True(TinySd.MaxAbsDiff(checkpoint.Embedding(Mushroom), embedding) < 1e-5);

        var x = torch.randn(new long[] { 2, 3, 8, 8 }, generator: new Generator(4));
        var context = embedding.expand(2, embedding.shape[1], embedding.shape[2]);
        Tensor expected;
        using (torch.no_grad()) expected = checkpoint.Unet.Forward(x, 500, context);
        Assert.True(expected.abs().max().item<float>() > 0.1, "the UNet's output is too small for the comparison to mean anything");
        Assert.True(TinySd.MaxAbsDiff(expected, P.PredictNoise(x, 500, context)) < 1e-5);
    }

    /// <summary>alphas_cumprod of the scaled_linear betas (0.00085 to 0.012 over 1000 steps), computed here in float64.</summary>
    private static double[] ScaledLinearAlphaBar()
    {
        var alphaBar = new double[1000];
        double product = 1;
        for (int i = 0; i < 1000; i++)
        {
            double sqrtBeta = Math.Sqrt(0.00085) + (Math.Sqrt(0.012) - Math.Sqrt(0.00085)) * i / 999;
            product *= 1 - sqrtBeta * sqrtBeta;
            alphaBar[i] = product;
        }
        return alphaBar;
    }

    /// <summary>
    /// Three DDIM steps written out by hand: leading spacing with steps_offset 1 visits t = 667, 334, 1, the last
    /// step lands on alphas_cumprod[0] (set_alpha_to_one false); alphas_cumprod comes from the scaled_linear
    /// betas computed here in float64, the guided eps from the in-memory UNet.
    /// </summary>
    [Fact]
    public void TextToImageIsTheDdimLoopMappedToTheUnitRange()
    {
        using var scope = NewDisposeScope();
        const double guidance = 1.5;
        var noise = torch.randn(new long[] { 1, 3, 8, 8 }, generator: new Generator(11));
        var result = P.TextToImage(new StableDiffusionPipeline.TextToImageRequest(Mushroom, "", Steps: 3, GuidanceScale: guidance,
            InitialLatents: noise));
        Assert.Equal(new long[] { 1, 8, 8, 3 }, result.Image.shape);
        Assert.True(result.Image.min().item<float>() >= 0 && result.Image.max().item<float>() <= 1);

        var alphaBar = ScaledLinearAlphaBar();
        var cond = checkpoint.Embedding(Mushroom);
        var uncond = checkpoint.Embedding("");
        var x = noise.clone();
        foreach (var (t, prev) in new[] { (667, 334), (334, 1), (1, 0) })
        {
            var eps = checkpoint.GuidedEps(x, t, cond, uncond, guidance);
            var x0 = (x - eps.Times(Math.Sqrt(1 - alphaBar[t]))).DividedBy(Math.Sqrt(alphaBar[t]));
            x = x0.Times(Math.Sqrt(alphaBar[prev])).Plus(eps.Times(Math.Sqrt(1 - alphaBar[prev])));
        }
        var expected = x.DividedBy(2).Plus(0.5).clamp(Scalars.Of(0), Scalars.One).permute(0, 2, 3, 1);
        double inside = expected.gt(Scalars.Of(0.01)).logical_and(expected.lt(Scalars.Of(0.99))).to(ScalarType.Float32).mean()
            .item<float>();
        Assert.True(inside > 0.2, $"only {inside:P0} of the pixels are inside (0, 1); the comparison would mostly test the clamp");
        TinySd.AssertClose(expected, result.Image, 1e-4, "pixel-space text-to-image");
    }

    /// <summary>
    /// `--scheduler ddpm`, three steps written out by hand: the seed's generator draws the starting noise and then
    /// one noise per step but the last; each step is the posterior mean of the strided forward process
    /// (x0 clipped as the config says; no clipping here) plus its standard deviation times that noise.
    /// </summary>
    [Fact]
    public void TextToImageWithDdpmIsTheAncestralLoop()
    {
        using var scope = NewDisposeScope();
        const double guidance = 1.5;
        const long seed = 21;
        var result = P.TextToImage(new StableDiffusionPipeline.TextToImageRequest(Mushroom, "", Steps: 3, GuidanceScale: guidance,
            Seed: seed, Sampler: "ddpm"));
        var again = P.TextToImage(new StableDiffusionPipeline.TextToImageRequest(Mushroom, "", Steps: 3, GuidanceScale: guidance,
            Seed: seed, Sampler: "ddpm"));
        Assert.Equal(0, TinySd.MaxAbsDiff(result.Image, again.Image));

        var alphaBar = ScaledLinearAlphaBar();
        var generator = new Generator((ulong)seed);
        var x = torch.randn(new long[] { 1, 3, 8, 8 }, generator: generator);
        var cond = checkpoint.Embedding(Mushroom);
        var uncond = checkpoint.Embedding("");
        foreach (var (t, prev) in new[] { (667, 334), (334, 1), (1, -332) })
        {
            double ab = alphaBar[t], abPrev = prev >= 0 ? alphaBar[prev] : 1, beta = 1 - ab / abPrev;
            var eps = checkpoint.GuidedEps(x, t, cond, uncond, guidance);
            var x0 = (x - eps.Times(Math.Sqrt(1 - ab))).DividedBy(Math.Sqrt(ab));
            var mean = x0.Times(Math.Sqrt(abPrev) * beta / (1 - ab)).Plus(x.Times(Math.Sqrt(ab / abPrev) * (1 - abPrev) / (1 - ab)));
            double variance = Math.Max((1 - abPrev) / (1 - ab) * beta, 1e-20);
            x = mean.Plus(torch.randn(x.shape, generator: generator).Times(Math.Sqrt(variance)));
        }
        var expected = x.DividedBy(2).Plus(0.5).clamp(Scalars.Of(0), Scalars.One).permute(0, 2, 3, 1);
        TinySd.AssertClose(expected, result.Image, 1e-4, "pixel-space DDPM text-to-image");
        var ddim = P.TextToImage(new StableDiffusionPipeline.TextToImageRequest(Mushroom, "", Steps: 3, GuidanceScale: guidance,
            Seed: seed));
        Assert.True(TinySd.MaxAbsDiff(ddim.Image, result.Image) > 0.01, "DDPM's step noise must change the image from DDIM's");
    }

    /// <summary>
    /// A scheduler config with the data's channel statistics changes only the start: sampling from the seed's noise
    /// equals sampling, without statistics, from that noise with its channel means moved to
    /// sqrt(ab) m + sqrt(ab s^2 + (1 - ab)/64) * 8 * (noise channel mean), ab at the first timestep (667 of 3 steps).
    /// </summary>
    [Fact]
    public void DataStatisticsMoveOnlyTheStartsChannelMeans()
    {
        using var scope = NewDisposeScope();
        double[] mean = { 0.6, 0.5, -0.3 }, std = { 0.1, 0.2, 0.05 };
        var folder = checkpoint.CopyTo(Path.Combine(_dir, "with-statistics"));
        var schedulerFile = Path.Combine(folder, "scheduler", "scheduler_config.json");
        File.WriteAllText(schedulerFile,
            (PixelSpaceCheckpoint.SchedulerConfig with { DataChannelMean = mean, DataChannelStd = std }).ToJson().ToJsonString());
        using var withStatistics = StableDiffusionPipeline.Load(folder);
        var noise = torch.randn(new long[] { 2, 3, 8, 8 }, generator: new Generator(8));
        var cond = P.EncodePrompt(Mushroom);
        var uncond = P.EncodePrompt("");
        var got = withStatistics.Sample(cond, uncond, noise, 3, 2.0);

        double ab = ScaledLinearAlphaBar()[667];
        var channelMean = noise.mean(new long[] { 2, 3 }, keepdim: true);
        var target = torch.tensor(mean.Select(m => Math.Sqrt(ab) * m).ToArray(), dtype: ScalarType.Float32).view(1, 3, 1, 1)
            .Plus((torch.tensor(std.Select(s => Math.Sqrt(ab * s * s + (1 - ab) / 64)).ToArray(), dtype: ScalarType.Float32)
                .view(1, 3, 1, 1) * channelMean).Times(8));
        var expected = P.Sample(cond, uncond, (noise - channelMean).Plus(target), 3, 2.0);
        TinySd.AssertClose(expected, got, 1e-4, "sampling with data statistics");
        Assert.True(TinySd.MaxAbsDiff(P.Sample(cond, uncond, noise, 3, 2.0), got) > 0.01, "the statistics must change the samples");
    }

    [Fact]
    public void SampleCommandRefusesAnUnknownScheduler()
    {
        var root = new RootCommand("test");
        root.Subcommands.Add(SampleCommand.Create());
        var parse = root.Parse(["sample", "--model", checkpoint.Folder, "--prompt", Mushroom, "--scheduler", "euler", "--out",
            Path.Combine(_dir, "x.png")]);
        var e = Assert.Throws<UserError>(() =>
            parse.Invoke(new InvocationConfiguration
            {
                Output = new StringWriter(),
                Error = new StringWriter(),
                EnableDefaultExceptionHandler = false
            }));
        Assert.Equal("sampler", e.Key);
        Assert.StartsWith("sampler: euler: not a sampler", e.Message);
        // the CLI names the option that set it
        Assert.StartsWith("sampler (--scheduler): euler", DreamTime.Cli.KeyFlags.Describe(e, parse.CommandResult.Command));
    }

    [Fact]
    public void SampleCommandWritesAPng()
    {
        var png = Path.Combine(_dir, "pixel.png");
        var tensor = Path.Combine(_dir, "pixel.safetensors");
        var root = new RootCommand("test");
        root.Subcommands.Add(SampleCommand.Create());
        var parse = root.Parse(["sample", "--model", checkpoint.Folder, "--prompt", Mushroom, "--steps", "2", "--height", "12", "--out",
            png, "--out-tensor", tensor]);
        Assert.Empty(parse.Errors);
        var output = new StringWriter();
        int exit = parse.Invoke(new InvocationConfiguration
        {
            Output = output,
            Error = new StringWriter(),
            EnableDefaultExceptionHandler = false
        });
        Assert.Equal(0, exit);
        Assert.Contains("sampled 8x12", output.ToString());
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);
        using var image = SafetensorsFile.Open(tensor).Load("image");
        Assert.Equal(new long[] { 1, 12, 8, 3 }, image.shape);
    }

    /// <summary>
    /// Without an encoder, SDS on x = 2 resize(render) - 1 hands autograd the loss 0.5 ||x - sg(x - g)||^2 / B,
    /// so d loss / d render = resize^T(2 g / B) with g = w(t) (eps_hat - eps): eps drawn from the step's generator,
    /// eps_hat the in-memory UNet's guided prediction, resize^T the adjoint of the bilinear resize.
    /// </summary>
    [Fact]
    public void ImageGradientIsTheResizeAdjointOfTheSdsGradient()
    {
        using var scope = NewDisposeScope();
        const int t = 600, batch = 2;
        const double guidance = 7;
        using var g = new StableDiffusionGuidance(P,
            new StableDiffusionGuidanceOptions { ViewDependentPrompt = false, GuidanceScale = guidance });
        Assert.Equal(8, g.Resolution);
        var images = torch.rand(new long[] { batch, 12, 12, 3 }, generator: new Generator(3)).requires_grad_(true);
        var cameras = new[] { new Camera(10, 0, 3, 40), new Camera(10, 90, 3, 40) };
        var r = g.StepImages(images, cameras, t, new Generator(9), Mushroom);
        r.Loss.backward();

        Tensor Resize(Tensor hwc) =>
            nn.functional.interpolate(hwc.permute(0, 3, 1, 2), size: new long[] { 8, 8 }, mode: InterpolationMode.Bilinear,
            align_corners: false);
        double ab = P.Schedule.AlphaBar(t);
        var x = Resize(images.detach()).Times(2).Minus(1);
        var eps = torch.randn(x.shape, generator: new Generator(9));
        var xt = x.Times(Math.Sqrt(ab)).Plus(eps.Times(Math.Sqrt(1 - ab)));
        var sdsGrad = (checkpoint.GuidedEps(xt, t, checkpoint.Embedding(Mushroom), checkpoint.Embedding(""), guidance) - eps).Times(1 - ab);
        var probe = images.detach().clone().requires_grad_(true);
        (Resize(probe) * sdsGrad.Times(2).DividedBy(batch)).sum().backward();

        var expected = probe.grad!;
        double scale = expected.abs().max().item<float>();
        Assert.True(scale > 1e-3, $"gradient too small to compare ({scale})");
        TinySd.AssertClose(expected, images.grad!, 1e-5 * scale, "image gradient");
        AssertRelative(sdsGrad.norm().item<float>(), r.GradNorm, "grad_norm");
        AssertRelative(0.5 * sdsGrad.Squared().sum().item<float>() / batch, r.Loss.item<float>(), "sds loss");
    }

    private static void AssertRelative(double expected, double actual, string what)
    {
        Assert.True(Math.Abs(expected - actual) <= 1e-5 * Math.Abs(expected), $"{what}: {actual} but expected {expected}");
    }

    [Fact]
    public void TrainerStepsMoveTheNerf()
    {
        var cfg = new TrainConfig
        {
            Prompt = Mushroom,
            Guidance = new DreamTime.Guidance.StableDiffusionSettings { Model = checkpoint.Folder },
            Seed = 1,
            Stages =
            [
                new DreamTime.Configuration.StageSettings
                {
                    Height = 16,
                    Width = 16,
                    Iterations = 3,
                    // only the SDS loss may move the parameters
                    Representation = new NerfSettings { Field = TrainingTestSupport.TinyNerf, LambdaOrientation = 0 },
                },
            ],
        };
        using var trainer = Trainer.Create(cfg, torch.CPU);
        var before = trainer.Representation.ParameterGroups.ToDictionary(g => g.Name, g =>
            g.Parameters.Select(p => p.detach().clone()).ToList());
        for (int step = 1; step <= 3; step++)
        {
            var rec = trainer.Step(step);
            Assert.True(double.IsFinite(rec.Loss) && rec.GradNorm > 0, $"step {step}: loss {rec.Loss}, grad norm {rec.GradNorm}");
        }
        foreach (var group in trainer.Representation.ParameterGroups)
        {
            var parameters = group.Parameters.ToList();
            if (parameters.Count == 0) continue;
            double change = parameters.Zip(before[group.Name]).Sum(pair => (pair.First - pair.Second).abs().max().item<float>());
            Assert.True(change > 0, $"parameter group {group.Name} did not move");
        }
    }

    private static string LoadError(string dir)
    {
        var e = Assert.Throws<UserError>(() => StableDiffusionPipeline.Load(dir).Dispose());
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Fact]
    public void AFourChannelUnetWithoutAVaeNamesTheFileAndTheChannels()
    {
        var dir = checkpoint.CopyTo(Path.Combine(_dir, "four"));
        var path = Path.Combine(dir, "unet", "config.json");
        var cfg = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        cfg["in_channels"] = 4;
        cfg["out_channels"] = 4;
        File.WriteAllText(path, cfg.ToJsonString());
        var m = LoadError(dir);
        Assert.Contains(path, m);
        Assert.Contains("in_channels 4", m);
        Assert.Contains("needs 3", m);
    }

    [Fact]
    public void TheIndexAndTheVaeFolderMustAgree()
    {
        var dir = checkpoint.CopyTo(Path.Combine(_dir, "listed"));
        var indexPath = Path.Combine(dir, "model_index.json");
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!.AsObject();

        index["vae"] = new JsonArray("diffusers", "AutoencoderKL");
        File.WriteAllText(indexPath, index.ToJsonString());
        Assert.Contains("missing component folder vae/", LoadError(dir));

        // a vae/ folder that the index does not list is not silently ignored
        index.Remove("vae");
        File.WriteAllText(indexPath, index.ToJsonString());
        Directory.CreateDirectory(Path.Combine(dir, "vae"));
        var m = LoadError(dir);
        Assert.Contains(indexPath, m);
        Assert.Contains("vae/", m);

        // no entry at all (rather than [null, null]) and no folder: pixel-space
        Directory.Delete(Path.Combine(dir, "vae"));
        using var p = StableDiffusionPipeline.Load(dir);
        Assert.True(p.IsPixelSpace);
    }
}
