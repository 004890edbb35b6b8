using DreamTime.Diffusion;
using DreamTime.Evaluation;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Models.Diffusers;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Scenes;
using static TorchSharp.torch;

namespace DreamTime.Studies.Hints;

/// <summary>
/// Is a small-t step a coarse hint or only a local one? SDS pulls the render toward x0_hat(x_t), since
/// w(t)(eps_hat - eps) = w(t) sqrt(ab/(1-ab)) (x - x0_hat). This feeds the same noisy, low-pass-filtered member
/// renders (what an early NeRF looks like) to several denoisers and scores x0_hat against the clean member: a
/// denoiser that returns the member at small t (the exact posterior snaps onto it) gives a coarse hint there; one
/// that returns its input plus local detail (a trained network) does not.
/// </summary>
public static class DenoiserHints
{
    public static readonly int[] DefaultTimesteps = { 20, 50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 980 };

    /// <param name="denoisers">each maps a query to x0_hat [N, 3, H, W]</param>
    /// <param name="blur">the degradation: average-pool by this factor, then bilinear upsampling back (1 = none)</param>
    public static IReadOnlyList<HintRow> Measure(IReadOnlyList<Func<HintQuery, Tensor>> denoisers, IReadOnlyList<FamilyMember> members,
                                                 NoiseSchedule schedule, int size, int cameras, int blur, int seed,
                                                 IReadOnlyList<int>? timesteps = null)
    {
        if (members.Count == 0) throw new UserError("hints: the prompt selects no members");
        if (cameras < 1) throw new UserError("cameras", $"is {cameras}; must be at least 1");
        if (blur < 1 || size % blur != 0) throw new UserError("blur", $"is {blur}; must be at least 1 and divide the render size {size}");
        timesteps ??= DefaultTimesteps;
        var renderer = new SdfRenderer { Supersample = BuiltinPriorOptions.DefaultSupersample };
        var sampler = new CameraSampler(new CameraRanges(), seed);
        var sums = timesteps.Select(_ => new double[1 + denoisers.Count]).ToArray();
        int n = 0;
        using var _ = no_grad();
        for (int c = 0; c < cameras; c++)
        {
            using var scope = NewDisposeScope();
            var camera = sampler.ForStep(c);
            var images = renderer.Render(members.Select(m => m.Scene).ToList(), camera, size, size);
            var clean = tensor(images.SelectMany(im => im.Rgb).ToArray(), new long[] { members.Count, size, size, 3 }).permute(0, 3, 1, 2)
                .Times(2).Minus(1);
            var degraded = Degrade(clean, blur);
            double inputPsnr = Psnr(degraded, clean).sum().item<double>();
            for (int i = 0; i < timesteps.Count; i++)
            {
                double ab = schedule.AlphaBar(timesteps[i]);
                var (noisy, _) = ScoreDistillation.AddNoise(degraded, ab, Seeds.Generator(seed, c, 0x41E7 + timesteps[i]));
                var query = new HintQuery(noisy, timesteps[i], ab, camera, clean);
                sums[i][0] += inputPsnr;
                for (int d = 0; d < denoisers.Count; d++)
                    sums[i][1 + d] += Psnr(denoisers[d](query).to(clean.device).to(float32), clean).sum().item<double>();
            }
            n += members.Count;
        }
        return timesteps.Select((t, i) =>
            new HintRow(t, schedule.AlphaBar(t), sums[i][0] / n, sums[i].Skip(1).Select(s => s / n).ToList())).ToList();
    }

    /// <summary>Average-pool by <paramref name="factor"/> and upsample back: only the coarse shape and colours are left.</summary>
    public static Tensor Degrade(Tensor images, int factor) => factor == 1 ? images :
        nn.functional.interpolate(nn.functional.avg_pool2d(images, factor), size: new[] { images.shape[2], images.shape[3] },
                                  mode: InterpolationMode.Bilinear, align_corners: false);

    /// <summary>Per-image PSNR (dB) of images in [-1, 1] (x clamped to that range), capped at 100 dB for an exact match.</summary>
    public static Tensor Psnr(Tensor x, Tensor reference)
    {
        var mse = (x.clamp(Scalars.Of(-1), Scalars.Of(1)) - reference).DividedBy(2).Squared().flatten(1).mean(new long[] { 1 });
        return ImageMetrics.PsnrFromMse(mse);
    }

    /// <summary>The built-in prior's conditional x0_hat: the posterior mean over the query's member renders, tempered by
    /// <paramref name="sharpness"/>.</summary>
    public static Func<HintQuery, Tensor> Exact(double sharpness) => q =>
    {
        long n = q.Noisy.shape[0], k = q.MemberRenders.shape[0], h = q.Noisy.shape[2], w = q.Noisy.shape[3];
        using var post = ExactDenoiser.Denoise(q.Noisy.permute(0, 2, 3, 1).reshape(n, -1),
            q.MemberRenders.permute(0, 2, 3, 1).reshape(k, -1), q.AlphaBar, sharpness);
        return post.X0.reshape(n, h, w, 3).permute(0, 3, 1, 2).to(float32);
    };

    /// <summary>A pixel-space model's x0_hat with classifier-free guidance on "PROMPT, VIEW view", as the learned guidance asks
    /// it.</summary>
    public static Func<HintQuery, Tensor> Learned(StableDiffusionPipeline pipe, string prompt, double guidance) => q =>
    {
        long n = q.Noisy.shape[0];
        var cond = pipe.EncodePrompt($"{prompt}, {q.Camera.ViewName()} view");
        var uncond = pipe.EncodePrompt("");
        var x = q.Noisy.to(pipe.Device);
        var eps = pipe.GuidedNoise(x, q.T, cond.expand(n, cond.shape[1], cond.shape[2]), uncond.expand(n, uncond.shape[1], uncond.shape[2]),
            guidance);
        return (x - eps.Times(Math.Sqrt(1 - q.AlphaBar))).DividedBy(Math.Sqrt(q.AlphaBar));
    };
}
