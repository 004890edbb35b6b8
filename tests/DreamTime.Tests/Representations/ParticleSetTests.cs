using System.Text.Json;
using DreamTime.Configuration;
using DreamTime.Rendering;
using DreamTime.Representations;
using DreamTime.Runtime;
using DreamTime.Training;
using Xunit;
using static DreamTime.Tests.Training.TrainingTestSupport;
using static TorchSharp.torch;

namespace DreamTime.Tests.Representations;

public sealed class ParticleSetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-particles-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static TrainConfig TwoParticles(int iterations) => Tiny(iterations) with { Particles = 2 };

    private static ParticleSet Set(TrainConfig cfg) =>
        (ParticleSet)Trainer.CreateRepresentation(new ComponentContext(cfg, CPU));

    [Fact]
    public void EachParticleRendersItsOwnCamerasAndStartsFromItsOwnSeed()
    {
        using var set = Set(TwoParticles(2));
        var cams = new CameraRanges().Ring(4, 20);
        var request = new RenderRequest(cams, 12, 12, ShadingMode.Diffuse, Lighting.Default);
        using var _ = no_grad();
        var all = set.Render(request);
        Assert.Equal(4, all.Rgb.shape[0]);
        for (int k = 0; k < 2; k++)
        {
            var own = set.Members[k].Render(request with { Cameras = cams.Skip(2 * k).Take(2).ToList() });
            Assert.True(own.Rgb.eq(all.Rgb[(2 * k)..(2 * k + 2)]).all().item<bool>(), $"particle {k}");
        }
        // a single view is the active particle's
        set.Active = 1;
        var one = set.Render(request with { Cameras = [cams[0]] });
        Assert.True(one.Rgb.eq(set.Members[1].Render(request with { Cameras = [cams[0]] }).Rgb).all().item<bool>());
        // different seeds: the particles are not copies of one another
        Assert.True((set.Members[0].Render(request).Rgb - set.Members[1].Render(request).Rgb).abs().max().item<float>() > 1e-4);
        // particle 0 starts as the single-particle run's representation does
        using var single = Trainer.CreateRepresentation(new ComponentContext(Tiny(2), CPU));
        Assert.True(single.Render(request).Rgb.eq(set.Members[0].Render(request).Rgb).all().item<bool>());
        Assert.Equal(2 * set.Members[0].ParameterGroups.Count, set.ParameterGroups.Count);
        Assert.Contains(set.ParameterGroups, g => g.Name.StartsWith("p1.", StringComparison.Ordinal));
    }

    [Fact]
    public void RegularizersAreEachParticlesOwnSummed()
    {
        var cfg = TwoParticles(2).WithNerf(n => n with { LambdaSparsity = 0.5, LambdaOpacityEntropy = 0.1 });
        using var set = Set(cfg);
        var cams = new CameraRanges().Ring(2, 10);
        var request = new RenderRequest(cams, 12, 12, ShadingMode.Diffuse, Lighting.Default);
        var all = set.Render(request);
        var terms = set.Regularizers(all, 1);
        var expected = new Dictionary<string, double>();
        for (int k = 0; k < 2; k++)
        {
            var own = set.Members[k].Render(request with { Cameras = [cams[k]] });
            foreach (var (name, value) in set.Members[k].Regularizers(own, 1))
                expected[name] = expected.GetValueOrDefault(name) + value.item<float>();
        }
        Assert.Equal(expected.Keys.OrderBy(k => k), terms.Keys.OrderBy(k => k));
        foreach (var (name, value) in terms) Assert.Equal(expected[name], value.item<float>(), 5);
        Assert.Throws<InvalidOperationException>(() => set.Regularizers(set.Render(request with { Cameras = [cams[0]] }), 1));
    }

    [Fact]
    public void ARunWithParticlesResumesExactlyAndExportsEveryParticle()
    {
        var cfg = TwoParticles(4) with { CheckpointEvery = 1 };
        var straight = Path.Combine(_dir, "straight");
        using (var run = GenerationRun.Start(cfg, straight, false, SilentRunObserver.Instance))
            Assert.Equal(SessionOutcome.Completed, run.Run(CancellationToken.None));
        var stopped = Path.Combine(_dir, "stopped");
        using (var cancel = new CancellationTokenSource())
        using (var run = GenerationRun.Start(cfg, stopped, false, new CancelAfter(2, cancel)))
            Assert.Equal(SessionOutcome.Interrupted, run.Run(cancel.Token));
        using (var run = GenerationRun.Resume(stopped, new ResumeOverrides(null, null), SilentRunObserver.Instance))
            Assert.Equal(SessionOutcome.Completed, run.Run(CancellationToken.None));

        var a = new RunFolder(straight);
        var b = new RunFolder(stopped);
        var checkpoint = Checkpoint.RepresentationPath(a.StageCheckpoint(0, "nerf"));
        foreach (var k in new[] { 0, 1 })
        {
            var path = ParticleSet.MemberPath(checkpoint, k);
            Assert.True(File.Exists(path), path);
            Assert.Equal(0.0, MaxDifference(Tensors(path),
                Tensors(ParticleSet.MemberPath(Checkpoint.RepresentationPath(b.StageCheckpoint(0, "nerf")), k))));
        }
        Assert.Equal(File.ReadAllBytes(a.Glb), File.ReadAllBytes(b.Glb));
        Assert.True(File.Exists(Path.Combine(a.Particle(1), "model.glb")));
        Assert.True(File.Exists(Path.Combine(a.Particle(1), "turntable.gif")));
        Assert.NotEqual(File.ReadAllBytes(a.Glb), File.ReadAllBytes(Path.Combine(a.Particle(1), "model.glb")));
        using var metrics = JsonDocument.Parse(File.ReadAllText(a.Metrics));
        Assert.Equal(2, metrics.RootElement.GetProperty("particles").GetArrayLength());
        Assert.True(metrics.RootElement.GetProperty("particle_psnr_between").GetDouble() > 0);
    }

    private sealed class CancelAfter(int step, CancellationTokenSource cancel) : IRunObserver
    {
        public void Log(string message) { }
        public void StepCompleted(StepRecord record, int last)
        {
            if (record.Step == step) cancel.Cancel();
        }
    }

    [Fact]
    public void BadParticleSettingsNameTheKey()
    {
        Assert.Equal("particles", Assert.Throws<UserError>(() => (Tiny(2) with { Particles = 0 }).Validate()).Key);
        var prolific = Tiny(2) with { Pipeline = Pipelines.ProlificDreamer };
        Assert.Equal("guidance.type", Assert.Throws<UserError>(prolific.Validate).Key);
    }
}
