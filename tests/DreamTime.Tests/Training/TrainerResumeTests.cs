using DreamTime.Training;
using Xunit;
using Xunit.Abstractions;
using static DreamTime.Tests.Training.TrainingTestSupport;

namespace DreamTime.Tests.Training;

public class TrainerResumeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-resume-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void ResumingFromACheckpointReproducesTheUninterruptedRun(bool randomEverything, bool imageTo3D)
    {
        const int n = 6, k = 3;
        var cfg = Tiny(n);
        // image-to-3D adds the input view's render and losses to every step
        if (imageTo3D)
        {
            var picture = Path.Combine(_dir, "in.png");
            var member = DreamTime.Scenes.PriorLibrary.Default.Select("a snowman").Members[0];
            var render = new DreamTime.Scenes.SdfRenderer().Render(member.Scene, new DreamTime.Rendering.CameraRanges().MidCamera(10, 20),
                16, 16);
            DreamTime.Imaging.ImageIO.SavePngWithAlpha(picture, new DreamTime.Imaging.RgbImage(16, 16, render.Rgb), render.Mask);
            cfg = cfg with
            {
                Prompt = "",
                Guidance = new DreamTime.Guidance.BuiltinImagePriorSettings(),
                Reference = new DreamTime.Guidance.ReferenceSettings { Image = picture, ElevationDeg = 10, AzimuthDeg = 20 }
            };
        }
        // Every per-step random choice at once: t, shading mode, two cameras, regularisers on all of them.
        if (randomEverything)
            cfg = cfg.WithStage(s => s with
            {
                Timesteps = s.Timesteps with { Strategy = "uniform" },
                BatchSize = 2,
                ShadingAlbedo = 0.3,
                ShadingDiffuse = 0.4,
                ShadingTextureless = 0.3,
            }).WithNerf(r => r with { LambdaSparsity = 0.1, LambdaOpacityEntropy = 0.01 });

        var straightRecords = new List<StepRecord>();
        Dictionary<string, double[]> straightParams, straightAdam;
        using (var straight = NewTrainer(cfg, Path.Combine(_dir, "straight")))
        {
            for (int s = 1; s <= n; s++) straightRecords.Add(straight.Step(s));
            straightParams = Parameters(straight.Model);
            straight.SaveCheckpoint();
            straightAdam = Tensors(Checkpoint.OptimizerPath(straight.Checkpoint));
        }

        var resumedRecords = new List<StepRecord>();
        var root = Path.Combine(_dir, "resumed");
        using (var first = NewTrainer(cfg, root))
        {
            for (int s = 1; s <= k; s++) resumedRecords.Add(first.Step(s));
            first.SaveCheckpoint();
        }
        Dictionary<string, double[]> resumedParams, resumedAdam;
        using (var second = NewTrainer(cfg, root, Checkpoint.Find(Path.Combine(root, "checkpoints", "0-nerf"))))
        {
            Assert.Equal(k, second.StepReached);
            for (int s = k + 1; s <= n; s++) resumedRecords.Add(second.Step(s));
            resumedParams = Parameters(second.Model);
            second.SaveCheckpoint();
            resumedAdam = Tensors(Checkpoint.OptimizerPath(second.Checkpoint));
        }

        for (int i = 0; i < n; i++)
            output.WriteLine(
                $"step {i + 1}: t {straightRecords[i].T} / {resumedRecords[i].T}, loss {straightRecords[i].Loss:R} / " +
                $"{resumedRecords[i].Loss:R}");
        Assert.Equal(straightRecords.Select(r => (r.Step, r.T, r.Loss, string.Join(",", r.Losses))),
            resumedRecords.Select(r => (r.Step, r.T, r.Loss, string.Join(",", r.Losses))));
        if (randomEverything) Assert.Equal(new[] { "sds", "orientation", "sparsity", "opacity_entropy" }, straightRecords[0].Losses.Keys);
        if (imageTo3D) Assert.Equal(new[] { "sds", "orientation", "ref_rgb", "ref_mask" }, straightRecords[0].Losses.Keys);
        double dp = MaxDifference(straightParams, resumedParams), da = MaxDifference(straightAdam, resumedAdam);
        output.WriteLine($"max |param difference| {dp:G3}, max |Adam state difference| {da:G3}");
        Assert.Equal(0.0, dp);
        Assert.Equal(0.0, da);
        // The run did move: a resume test on a frozen model would prove nothing.
        using var fresh = NewTrainer(cfg, Path.Combine(_dir, "fresh"));
        Assert.True(MaxDifference(Parameters(fresh.Model), straightParams) > 1e-4);
    }
}
