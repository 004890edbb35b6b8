using System.Text.Json.Nodes;
using DreamTime.Diffusion;
using DreamTime.Guidance.StableDiffusion;
using DreamTime.Models.Diffusers;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Tests.Models.Diffusers;
using DreamTime.Tests.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DreamTime.Tests.Diffusion;

/// <summary>Prediction types against their closed forms, and score distillation of a checkpoint that is not an epsilon model.</summary>
public class ModelPredictionTests(ITestOutputHelper output)
{
    private readonly ITestOutputHelper _out = output;
    private const string Hamburger = "a DSLR photo of a hamburger";
    private static readonly double U = Math.Pow(2, -24); // float32 unit roundoff

    /// <summary>
    /// x0 and eps drawn, x_t = sqrt(ab) x0 + sqrt(1 - ab) eps and v = sqrt(ab) eps - sqrt(1 - ab) x0 formed in float64
    /// and rounded once to float32: whichever of eps, x0 or v the model outputs, the conversion must give back both.
    /// The tolerance is a few roundings of the largest value, magnified where the closed form divides: by sqrt(1 - ab)
    /// (~0.03 at t = 0) for eps from an x0 output, by sqrt(ab) (~0.07 at t = 999) for x0 from an eps output.
    /// </summary>
    [Theory]
    [InlineData(ModelPrediction.Epsilon)]
    [InlineData(ModelPrediction.Sample)]
    [InlineData(ModelPrediction.VPrediction)]
    public void EveryOutputGivesBackNoiseAndCleanSample(string type)
    {
        using var scope = NewDisposeScope();
        var schedule = NoiseSchedule.StableDiffusion;
        var gen = new Generator(21);
        var x0 = randn(new long[] { 2, 4, 8, 8 }, generator: gen);
        var eps = randn(new long[] { 2, 4, 8, 8 }, generator: gen);
        foreach (int t in new[] { 0, 1, 20, 500, 980, 998, 999 })
        {
            float ab = schedule.AlphasCumprod[t];
            double a = Math.Sqrt(ab), b = Math.Sqrt(1 - (double)ab);
            var xt = x0.to(float64).Times(a).Plus(eps.to(float64).Times(b)).to(float32);
            var v = (eps.to(float64).Times(a) - x0.to(float64).Times(b)).to(float32);
            var modelOutput = type switch { ModelPrediction.Epsilon => eps, ModelPrediction.Sample => x0, _ => v };
            var (gotEps, gotX0) = ModelPrediction.ToEpsilonAndX0(type, modelOutput, xt, ab);

            double m = new[] { x0, eps, xt, v }.Max(x => x.abs().max().item<float>());
            double epsTol = 8 * U * m / (type == ModelPrediction.Sample ? b : 1);
            double x0Tol = 8 * U * m / (type == ModelPrediction.Epsilon ? a : 1);
            double dEps = TinySd.MaxAbsDiff(eps, gotEps), dX0 = TinySd.MaxAbsDiff(x0, gotX0);
            _out.WriteLine($"{type} t={t}: eps {dEps:E2} (tol {epsTol:E2}), x0 {dX0:E2} (tol {x0Tol:E2})");
            Assert.True(dEps <= epsTol, $"{type} t={t}: eps off by {dEps:E3} > {epsTol:E3}");
            Assert.True(dX0 <= x0Tol, $"{type} t={t}: x0 off by {dX0:E3} > {x0Tol:E3}");
            Assert.Equal(0, TinySd.MaxAbsDiff(gotEps, ModelPrediction.ToEpsilon(type, modelOutput, xt, ab)));
        }
    }

    [Fact]
    public void UnknownTypeIsRefused()
    {
        using var scope = NewDisposeScope();
        var x = zeros(1, 4, 2, 2);
        Assert.Contains("\"x0\"", Assert.Throws<ArgumentException>(() => ModelPrediction.ToEpsilonAndX0("x0", x, x, 0.5f)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelPrediction.ToEpsilon(ModelPrediction.Epsilon, x, x, 1f));
    }

    /// <summary>
    /// The tiny SD 1.5 fixture with its scheduler's prediction_type overridden: the guidance must treat the UNet's
    /// output as that type. Its SDS gradient is compared with the epsilon path spelled out from the same UNet outputs:
    /// each branch converted to a noise prediction by the closed form, then guidance u + s (c - u) and
    /// w(t) (eps_hat - eps). The guidance converts after guiding instead (equal in exact arithmetic, the conversion
    /// being affine with shared coefficients), so the two differ by rounding that the guidance scale magnifies.
    /// </summary>
    [Theory]
    [InlineData(ModelPrediction.VPrediction)]
    [InlineData(ModelPrediction.Sample)]
    [InlineData(ModelPrediction.Epsilon)]
    public void SdsGradientIsTheEpsilonPathOfTheConvertedOutputs(string type)
    {
        using var scope = NewDisposeScope();
        var dir = Directory.CreateTempSubdirectory("dt-prediction-").FullName;
        try
        {
            CopyFixtureWith(dir, type);
            using var p = StableDiffusionPipeline.Load(dir);
            Assert.Equal(type, p.SchedulerConfig.PredictionType);
            const double s = 100;
            const int t = 500;
            var options = new StableDiffusionGuidanceOptions
            {
                ViewDependentPrompt = false,
                LatentMode = LatentMode.Mean,
                GuidanceScale = s
            };
            using var g = new StableDiffusionGuidance(p, options);
            var image = TinySd.Ref("vae_image").Plus(1).DividedBy(2).permute(0, 2, 3, 1).contiguous().requires_grad_(true);
            var r = g.StepImages(image, new[] { new Camera(0, 0, 3, 40) }, t, new Generator(9), Hamburger);
            r.Loss.backward();

            // the epsilon path from the same latents, noise and UNet outputs
            var cond = p.EncodePrompt(Hamburger);
            var uncond = p.EncodePrompt("");
            var x = image.detach().Times(2).Minus(1).permute(0, 3, 1, 2).requires_grad_(true);
            var mean = p.Vae!.Encode(x).Mean;
            float sf = (float)p.Vae.Config.ScalingFactor;
            var z = mean.detach().Times(sf);
            float ab = p.Schedule.AlphasCumprod[t];
            double a = Math.Sqrt(ab), b = Math.Sqrt(1 - (double)ab);
            var eps = randn(z.shape, generator: new Generator(9));
            var zt = z.Times(Math.Sqrt(ab)).Plus(eps.Times(Math.Sqrt(1 - ab)));
            var raw = p.PredictNoise(cat(new[] { zt, zt }), t, cat(new[] { cond, uncond }));
            Tensor ToNoise(Tensor o) => type switch
            {
                ModelPrediction.VPrediction => o.Times(a).Plus(zt.Times(b)),
                ModelPrediction.Sample => (zt - o.Times(a)).DividedBy(b),
                _ => o,
            };
            var epsC = ToNoise(raw[0..1]);
            var epsU = ToNoise(raw[1..2]);
            var epsHat = epsU.Plus((epsC - epsU).Times(s));
            double w = ScoreDistillation.Weight(SdsWeighting.OneMinusAlphaBar, ab);
            var grad = ScoreDistillation.Gradient(epsHat, eps, w);

            // Rounding: converting a branch costs a few ulps of a |o| + b |x_t| (divided by b for an x0 output), and
            // the guidance magnifies a branch error by up to 1 + 2s; converting the guided output costs the same of its
            // own magnitude; each side's float32 guidance combination a few ulps of |eps_hat|.
            double k = type == ModelPrediction.Sample ? 1 / b : 1;
            double mx = zt.abs().max().item<float>(), mRaw = raw.abs().max().item<float>();
            double mGuided = raw[1..2].Plus((raw[0..1] - raw[1..2]).Times(s)).abs().max().item<float>();
            double mHat = epsHat.abs().max().item<float>();
            // The UNet also runs twice (here and inside GuidedNoise): tests running in parallel switch the CPU
            // convolution kernels process-wide (oneDNN off while a pixel-space model or a prior training lives), and
            // the two kernels round the outputs apart (a run with a parallel check measured 1.717e-4 against a
            // 1.707e-4 bound without this term at s = 100); the guidance magnifies that like any branch error.
            double rerunTol = (1 + 2 * s) * 128 * U * k * a * mRaw;
            double epsHatTol = (1 + 2 * s) * 4 * U * k * (a * mRaw + b * mx) + 4 * U * k * (a * mGuided + b * mx) + 8 * U * mHat + rerunTol;
            double dEpsHat = TinySd.MaxAbsDiff(epsHat, p.GuidedNoise(zt, t, cond, uncond, s));
            _out.WriteLine($"{type}: eps_hat max |diff| = {dEpsHat:E3} (tol {epsHatTol:E3}, |eps_hat| <= {mHat:F3})");
            Assert.True(dEpsHat <= epsHatTol, $"{type}: guided noise off by {dEpsHat:E3} > {epsHatTol:E3}");

            // the guidance's gradient norm: within sqrt(n) of the elementwise bound, plus the norms' own rounding
            double norm = grad.norm().item<float>();
            double normTol = Math.Sqrt(grad.numel()) * w * epsHatTol + 2 * grad.numel() * U * norm;
            _out.WriteLine($"{type}: grad norm {norm:F4} vs {r.GradNorm:F4}, |diff| = {Math.Abs(norm - r.GradNorm):E3} (tol {normTol:E3})");
            Assert.True(Math.Abs(norm - r.GradNorm) <= normTol, $"{type}: gradient norm {r.GradNorm} vs {norm}");

            // the gradient reaching the image is the encoder's VJP of it; the latent gradients agree to ~1e-5 of their
            // size, and 1e-3 of the image gradient's leaves the encoder's mixing a factor of 100 while any mix-up of
            // the prediction types (errors of order one) still fails
            (mean * grad.Times(sf)).sum().backward();
            var expected = x.grad!.Times(2).permute(0, 2, 3, 1);
            double scale = expected.abs().max().item<float>();
            double dImage = TinySd.MaxAbsDiff(expected, image.grad!);
            _out.WriteLine($"{type}: image gradient max |diff| = {dImage:E3} (tol {1e-3 * scale:E3})");
            TinySd.AssertClose(expected, image.grad!, 1e-3 * scale, $"{type}: image gradient");
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>A copy of the tiny SD 1.5 fixture whose scheduler says the UNet predicts <paramref name="type"/>.</summary>
    private static void CopyFixtureWith(string dir, string type)
    {
        foreach (var file in Directory.EnumerateFiles(Fixtures.TinySd15, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(dir, Path.GetRelativePath(Fixtures.TinySd15, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var configPath = Path.Combine(dir, "scheduler", "scheduler_config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["prediction_type"] = type;
        File.WriteAllText(configPath, config.ToJsonString());
    }
}
