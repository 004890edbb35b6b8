using DreamTime.Diffusion;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Scenes;
using static TorchSharp.torch;

namespace DreamTime.Studies.Entropy;

/// <summary>
/// Measures how long the posterior stays broad: members rendered at random training cameras are noised at t
/// and denoised against the same member set; high entropy = the coarse phase (x0_hat is a blend), near 0 =
/// the fine phase (one member).
/// </summary>
public static class PosteriorEntropy
{
    public static readonly int[] DefaultTimesteps = { 0, 20, 50, 100, 150, 200, 300, 400, 500, 600, 700, 800, 900, 980, 999 };

    public static IReadOnlyList<EntropyRow> Measure(IReadOnlyList<FamilyMember> members, NoiseSchedule schedule, int size, int cameraCount,
                                                    int samplesPerCamera, double? kernelPixels, SdfRenderer renderer, int seed,
                                                    IReadOnlyList<int>? timesteps = null)
    {
        if (size < 4) throw new UserError("size", $"is {size}; must be at least 4");
        if (cameraCount < 1) throw new UserError("cameras", $"is {cameraCount}; must be at least 1");
        if (samplesPerCamera < 1) throw new UserError("samples", $"is {samplesPerCamera}; must be at least 1");
        timesteps ??= DefaultTimesteps.Where(t => t < schedule.TrainTimesteps).ToArray();
        var sampler = new CameraSampler(new CameraRanges(), seed);
        var sums = timesteps.Select(_ => new double[3]).ToArray();
        int k = members.Count, n = 0;
        double sharpness = kernelPixels is double kp ? kp / (size * size) : 1.0;
        for (int c = 0; c < cameraCount; c++)
        {
            using var scope = NewDisposeScope();
            var images = renderer.Render(members.Select(m => m.Scene).ToList(), sampler.ForStep(c), size, size);
            var data = tensor(images.SelectMany(im => im.Rgb.Select(v => 2 * v - 1)).ToArray(), new long[] { k, size * size * 3 });
            var truth = Enumerable.Range(0, samplesPerCamera).Select(s => (long)((s * k / samplesPerCamera + c) % k)).ToArray();
            var x0 = data.index_select(0, tensor(truth));
            using var gen = Seeds.Generator(seed, c, 0xE27);
            for (int i = 0; i < timesteps.Count; i++)
            {
                double ab = schedule.AlphaBar(timesteps[i]);
                var (noisy, _) = ScoreDistillation.AddNoise(x0, ab, gen);
                using var post = ExactDenoiser.Denoise(noisy, data, ab, sharpness);
                var (top, arg) = post.Weights.max(-1);
                sums[i][0] += post.Entropy.sum().item<double>();
                sums[i][1] += top.sum().item<double>();
                sums[i][2] += arg.eq(tensor(truth)).sum().item<long>();
            }
            n += samplesPerCamera;
        }
        return timesteps.Select((t, i) => new EntropyRow(t, schedule.AlphaBar(t), sums[i][0] / n, sums[i][1] / n, sums[i][2] / n)).ToList();
    }
}
