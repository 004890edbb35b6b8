using DreamTime.Configuration;
using DreamTime.Representations;
using DreamTime.Representations.Nerf;
using DreamTime.Runtime;
using DreamTime.Training;
using TorchSharp;
using Xunit;

namespace DreamTime.Tests.Training;

/// <summary>The trainer driven by the tiny Stable Diffusion fixture: the SDS gradient must reach the NeRF.</summary>
public class StableDiffusionGenerateTests : IDisposable
{
    static StableDiffusionGenerateTests() => TorchRuntime.ConfigureAllocator();
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-sdgen-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void GradientsFromTheTinyPipelineReachEveryParameterGroup()
    {
        var cfg = new TrainConfig
        {
            Prompt = "a hamburger",
            Guidance = new DreamTime.Guidance.StableDiffusionSettings { Model = Fixtures.TinySd15 },
            Seed = 1,
            Stages =
            [
                new DreamTime.Configuration.StageSettings
                {
                    Height = 16,
                    Width = 16,
                    Iterations = 3,
                    // only the SDS loss may move the parameters
                    Representation = new NerfSettings
                    {
                        Field = new NerfConfig(HashLevels: 4, Log2TableSize: 12, SamplesPerRay: 16),
                        LambdaOrientation = 0
                    },
                },
            ],
        };
        using var trainer = Trainer.Create(cfg, torch.CPU);
        Assert.Null(trainer.Evaluator);
        var before = trainer.Representation.ParameterGroups.ToDictionary(g => g.Name, g =>
            g.Parameters.Select(p => p.detach().clone()).ToList());
        for (int step = 1; step <= 3; step++)
        {
            var rec = trainer.Step(step);
            Assert.True(double.IsFinite(rec.Loss) && rec.GradNorm > 0, $"step {step}: loss {rec.Loss}, grad norm {rec.GradNorm}");
        }
        foreach (var (group, parameters) in trainer.Representation.ParameterGroups.Select(g => (g.Name, g.Parameters.ToList())))
        {
            if (parameters.Count == 0) continue;
            double change = parameters.Zip(before[group]).Sum(pair => (pair.First - pair.Second).abs().max().item<float>());
            Assert.True(change > 0, $"parameter group {group} did not move");
            Assert.All(parameters, p => Assert.True(torch.isfinite(p).all().item<bool>()));
        }
    }

    [Fact]
    public void ANormalStageFeedsLatentsFirstAndTheVaeAfter()
    {
        var cfg = TrainingTestSupport.Tiny(3, seed: 1, prompt: "a hamburger").WithStage(s => s with { GuidanceInput = "normal" }) with
        {
            Guidance = new DreamTime.Guidance.StableDiffusionSettings { Model = Fixtures.TinySd15, NormalLatentSteps = 1 },
        };
        cfg.Validate();
        using var trainer = Trainer.Create(cfg, torch.CPU);
        var guidance = Assert.IsType<DreamTime.Guidance.StableDiffusion.StableDiffusionGuidance>(trainer.Guidance);
        Assert.Equal(DreamTime.Rendering.ImageModality.Normal, guidance.Options.Input);
        foreach (var (step, latents) in new[] { (1, true), (2, false) })
        {
            var rec = trainer.Step(step);
            Assert.Equal(latents, guidance.NormalAsLatents);
            Assert.True(double.IsFinite(rec.Loss) && rec.GradNorm > 0, $"step {step}: loss {rec.Loss}, grad norm {rec.GradNorm}");
        }
        // left to its default, a tenth of the stage: none of these 3 steps, 100 of a 1000-step stage
        var byDefault = cfg with { Guidance = new DreamTime.Guidance.StableDiffusionSettings { Model = Fixtures.TinySd15 } };
        using var thousand = Trainer.Create(byDefault.WithIterations(1000), torch.CPU);
        Assert.Equal(100, ((DreamTime.Guidance.StableDiffusion.StableDiffusionGuidance)thousand.Guidance).Options.NormalLatentSteps);
    }
}
