using DreamTime.Evaluation;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Imaging;
using DreamTime.LearnedPrior;
using DreamTime.Models.Diffusers;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Scenes;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Studies.PriorCheck;

/// <summary>
/// Shows that a learned prior learned the families: for each family, DDIM samples of "a NOUN, front view" over
/// several seeds, each matched (PSNR) against every member of every family rendered from each of
/// <see cref="FrontViews"/>; a sample counts when its nearest member belongs to the prompt's family. A sample comes
/// from whatever front camera the model imagines, so the match searches over the front views instead of assuming
/// one: with a single fixed view, real front-view training renders themselves matched their own family only 70% of
/// the time, which no model could beat. <see cref="RunOnRenders"/> measures the check's ceiling that way.
/// </summary>
public static class SampleCheck
{
    public const int DefaultSeeds = 5, DefaultSteps = 100, DefaultCeilingRenders = 20;
    public const double DefaultGuidance = 5;

    /// <param name="sampler">"ddim" or "ddpm" instead of the model's scheduler</param>
    /// <param name="firstSeed">the first of the seeds: sampler settings chosen on one range of seeds can be measured on another</param>
    public static SampleCheckResult Run(string modelFolder, int seeds = DefaultSeeds, int steps = DefaultSteps,
                                        double guidance = DefaultGuidance, Device? device = null,
                                        Action<string>? log = null, string? sampler = null, int firstSeed = 0)
    {
        Diffusion.SchedulerConfig.RequireSampler(sampler);
        if (seeds < 1 || seeds > 64) throw new Runtime.UserError("seeds", $"is {seeds}; must be between 1 and 64");
        if (firstSeed < 0 || firstSeed > 1_000_000)
            throw new Runtime.UserError("first_seed", $"is {firstSeed}; must be between 0 and 1000000");
        if (steps < 1 || steps > 1000) throw new Runtime.UserError("steps", $"is {steps}; must be between 1 and 1000");
        if (!(guidance >= 0) || double.IsInfinity(guidance))
            throw new Runtime.UserError("guidance_scale", $"is {guidance}; must be a finite number >= 0");
        using var pipe = StableDiffusionPipeline.Load(modelFolder, device ?? torch.CPU);
        if (!pipe.IsPixelSpace)
            throw new Runtime.UserError("model", $"{modelFolder} has a vae/; the check needs a pixel-space learned prior");
        int size = pipe.DefaultResolution;
        var library = PriorLibrary.Default;
        using var scope = torch.NewDisposeScope();
        var shape = pipe.LatentShape(size, size);
        var noise = torch.cat(Enumerable.Range(0, seeds).Select(s =>
            torch.randn(shape, generator: new Generator((ulong)(firstSeed + s)))).ToArray(), 0);
        var uncond = pipe.EncodePrompt("");
        var samples = new List<(string Family, string Prompt, int Seed, float[] Rgb)>();
        foreach (var family in library.Families)
        {
            var prompt = LearnedPriorTraining.FamilyPrompt(family);
            log?.Invoke($"sampling \"{prompt}\" x {seeds}");
            // DDPM's step noise: one generator per family, so a family's samples do not depend on the others; the
            // first seed moves it too, so another seed range is an independent draw (seed 0 keeps the recorded figures)
            using var stepNoise = new Generator((ulong)firstSeed * 1_000_003 + (ulong)samples.Count);
            var images = pipe.DecodeToImages(pipe.Sample(pipe.EncodePrompt(prompt), uncond, noise, steps, guidance, sampler: sampler,
                stepNoise: stepNoise)).cpu();
            for (int s = 0; s < seeds; s++) samples.Add((family.Name, prompt, firstSeed + s, RgbImage.FromTensor(images[s]).Pixels));
        }
        return Match(samples, size, seeds, log);
    }

    public const int DefaultTextUseRenders = 64;
    public static readonly int[] TextUseTimesteps = { 200, 400, 600, 800 };

    /// <summary>
    /// Does the model use its text? Fresh captioned training renders (a stream the training never drew: seed
    /// 4242) are noised at each t and denoised once with their captions and once with the empty caption; a model
    /// that ignores its captions predicts x0 equally well both ways. Noise is seeded by (t), so runs compare.
    /// </summary>
    public static IReadOnlyList<TextUseRow> TextUse(StableDiffusionPipeline pipe, int count = DefaultTextUseRenders,
        IReadOnlyList<int>? timesteps = null, int seed = 4242)
    {
        if (count < 1 || count > 4096)
            throw new Runtime.UserError("text_use_renders", $"is {count}; must be between 1 and 4096 (0 skips the measurement)");
        timesteps ??= TextUseTimesteps;
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var data = new PriorTrainingData(seed, pipe.DefaultResolution, emptyCaptionRate: 0, tokenizer: pipe.Tokenizer);
        var (x0, captions) = data.Batch(0, count);
        x0 = x0.to(pipe.Device);
        var withCaption = torch.cat(captions.Select(c => pipe.EncodePrompt(c)).ToArray(), 0);
        var empty = pipe.EncodePrompt("");
        var rows = new List<TextUseRow>();
        foreach (int t in timesteps)
        {
            double ab = pipe.Schedule.AlphaBar(t);
            var noise = torch.randn(x0.shape, generator: new Generator((ulong)t)).to(pipe.Device);
            var xt = x0.Times(Math.Sqrt(ab)).Plus(noise.Times(Math.Sqrt(1 - ab)));
            double Psnr(Tensor context)
            {
                var eps = pipe.GuidedNoise(xt, t, context, empty, 1.0);
                var x0Hat = (xt - eps.Times(Math.Sqrt(1 - ab))).DividedBy(Math.Sqrt(ab)).clamp(Scalars.Of(-1), Scalars.Of(1));
                double mse = (x0Hat - x0).DividedBy(2).Squared().mean().item<float>();
                return ImageMetrics.PsnrFromMse(mse);
            }
            rows.Add(new TextUseRow(t, Psnr(withCaption), Psnr(empty)));
        }
        return rows;
    }

    /// <summary>
    /// The check applied to real front-view training renders (<paramref name="perFamily"/> per family, from the
    /// training data's stream) instead of samples: the rate a model that reproduced its data exactly would get.
    /// </summary>
    public static SampleCheckResult RunOnRenders(int perFamily = DefaultCeilingRenders, int size = 32, int seed = 777,
        Action<string>? log = null)
    {
        if (perFamily < 1 || perFamily > 1000)
            throw new Runtime.UserError("ceiling_renders", $"is {perFamily}; must be between 1 and 1000");
        var library = PriorLibrary.Default;
        var data = new PriorTrainingData(seed, size, emptyCaptionRate: 0);
        var found = library.Families.ToDictionary(f => f.Name, _ => new List<float[]>());
        for (int i = 0; found.Values.Any(l => l.Count < perFamily); i++)
        {
            if (found[data.FamilyOf(i).Name].Count >= perFamily) continue;
            var example = data.Example(i);
            if (example.Camera.ViewName() == "front") found[example.Family].Add(example.Rgb);
        }
        var images = library.Families.SelectMany(f => found[f.Name].Select((rgb, k) => (f.Name, "front-view render", k, rgb))).ToList();
        return Match(images, size, perFamily, log);
    }

    private static SampleCheckResult Match(IReadOnlyList<(string Family, string Prompt, int Seed, float[] Rgb)> images, int size,
        int perRow, Action<string>? log)
    {
        var library = PriorLibrary.Default;
        var views = FrontViews();
        log?.Invoke($"matching {images.Count} images against {library.Members.Count} members from {views.Count} front views");
        var nearest = NearestRenders(images.Select(i => i.Rgb).ToList(), size, library.Members.Select(m => m.Scene).ToList(), views);
        var renderer = new SdfRenderer { Supersample = BuiltinPriorOptions.DefaultSupersample };
        var rows = new List<SampleCheckRow>();
        var tiles = new List<RgbImage>();
        for (int start = 0; start < images.Count; start += perRow)
        {
            var nearestTiles = new List<RgbImage>();
            for (int i = start; i < Math.Min(images.Count, start + perRow); i++)
            {
                var (member, view, psnr) = nearest[i];
                var m = library.Members[member];
                rows.Add(new SampleCheckRow(images[i].Family, images[i].Prompt, images[i].Seed, m.Name, m.Family, views[view], psnr));
                tiles.Add(new RgbImage(size, size, images[i].Rgb));
                nearestTiles.Add(new RgbImage(size, size, renderer.Render(m.Scene, views[view], size, size).Rgb));
            }
            tiles.AddRange(nearestTiles);
        }
        return new SampleCheckResult(rows, ImageIO.Grid(tiles, 2 * perRow, scale: Math.Max(1, 96 / size)), size);
    }

    /// <summary>
    /// The training cameras the caption calls "front" (<see cref="Camera.ViewName"/>: |azimuth| &lt; 45 degrees, not
    /// overhead), on a grid: 6 elevations by 5 azimuths (centres of equal bins) by 3 apparent sizes. Distance and field
    /// of view only scale the object together, so the size steps through the range of distance x tan(fov / 2) at the
    /// middle field of view.
    /// </summary>
    public static IReadOnlyList<Camera> FrontViews(CameraRanges? ranges = null)
    {
        var r = ranges ?? new CameraRanges();
        double Centre(double lo, double hi, int i, int n) => lo + (hi - lo) * (i + 0.5) / n;
        double elevationMax = Math.Min(r.ElevationMaxDeg, 60), fov = 0.5 * (r.FovYMinDeg + r.FovYMaxDeg);
        double Half(double deg) => Math.Tan(deg * Math.PI / 360);
        double sizeMin = Math.Log(r.DistanceMin * Half(r.FovYMinDeg)), sizeMax = Math.Log(r.DistanceMax * Half(r.FovYMaxDeg));
        var views = new List<Camera>();
        for (int e = 0; e < 6; e++)
            for (int a = 0; a < 5; a++)
                for (int s = 0; s < 3; s++)
                    views.Add(new Camera(Centre(r.ElevationMinDeg, elevationMax, e, 6), Centre(-45, 45, a, 5),
                                         Math.Exp(Centre(sizeMin, sizeMax, s, 3)) / Half(fov), fov));
        return views;
    }

    /// <summary>
    /// For each image (row-major HWC in [0, 1], <paramref name="size"/> square), the scene and view whose render has
    /// the highest PSNR against it (the first of equals, scenes before views), and that PSNR. Renders are made one view
    /// at a time, as the training data makes them (one ray per pixel), so memory does not grow with the views.
    /// </summary>
    public static NearestRender[] NearestRenders(IReadOnlyList<float[]> images, int size, IReadOnlyList<PriorScene> scenes,
        IReadOnlyList<Camera> views)
    {
        int d = size * size * 3;
        foreach (var image in images)
            if (image.Length != d) throw new ArgumentException($"an image has {image.Length} values, {size}x{size} RGB needs {d}");
        using var scope = torch.NewDisposeScope();
        var x = torch.tensor(images.SelectMany(i => i).ToArray(), new long[] { images.Count, d }, ScalarType.Float64);
        var xx = x.pow(Scalars.Of(2)).sum(1, keepdim: true);
        var best = new NearestRender[images.Count];
        var bestSe = Enumerable.Repeat(double.MaxValue, images.Count).ToArray();
        var renderer = new SdfRenderer { Supersample = BuiltinPriorOptions.DefaultSupersample };
        for (int v = 0; v < views.Count; v++)
        {
            using var inner = torch.NewDisposeScope();
            var renders = renderer.Render(scenes, views[v], size, size);
            var y = torch.tensor(renders.SelectMany(r => r.Rgb).ToArray(), new long[] { renders.Length, d }, ScalarType.Float64);
            // |x - y|^2 = |x|^2 + |y|^2 - 2 x.y, in float64 so near-equal candidates are ordered as the direct sum would order them
            var se = (xx.Plus(y.pow(Scalars.Of(2)).sum(1).unsqueeze(0)) - x.matmul(y.t()).Times(2)).clamp_min(Scalars.Of(0));
            var (min, arg) = se.min(1);
            var mins = min.data<double>().ToArray();
            var args = arg.data<long>().ToArray();
            for (int i = 0; i < images.Count; i++)
                // a non-finite image (a diverged model) still gets a row, with a NaN PSNR
                if (best[i] == null || mins[i] < bestSe[i])
                {
                    bestSe[i] = mins[i];
                    best[i] = new NearestRender((int)args[i], v, ImageMetrics.PsnrFromMse(mins[i] / d));
                }
        }
        return best;
    }
}
