using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Imaging;
using DreamTime.Models.Diffusers;
using DreamTime.Rendering;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.LearnedPrior;

/// <summary>One sample of the check: the family its prompt names and the family of the member it is nearest to.</summary>
public sealed record SampleCheckRow(string Family, string Prompt, int Seed, string NearestMember, string NearestFamily, double Psnr)
{
    public bool Correct => NearestFamily == Family;
}

public sealed record SampleCheckResult(IReadOnlyList<SampleCheckRow> Rows, RgbImage Grid)
{
    /// <summary>The fraction of samples whose nearest member belongs to the prompt's family.</summary>
    public double Rate => Rows.Count == 0 ? 0 : Rows.Count(r => r.Correct) / (double)Rows.Count;
}

/// <summary>
/// Shows that a learned prior learned the families: for each family, DDIM samples of "a NOUN, front view" over
/// several seeds, each matched (PSNR) against every member of every family rendered from a front camera; a
/// sample counts when its nearest member belongs to the prompt's family. The samples come from whatever front
/// camera the model imagines, so the match is about shape and colour, not pose; 1/F is chance for F families.
/// </summary>
public static class SampleCheck
{
    public const int DefaultSeeds = 5, DefaultSteps = 50;
    public const double DefaultGuidance = 5;

    public static SampleCheckResult Run(string modelFolder, int seeds = DefaultSeeds, int steps = DefaultSteps, double guidance = DefaultGuidance, Device? device = null,
                                        Action<string>? log = null)
    {
        if (seeds < 1 || seeds > 64) throw new Runtime.UserError($"--seeds {seeds}: must be between 1 and 64");
        if (steps < 1 || steps > 1000) throw new Runtime.UserError($"--steps {steps}: must be between 1 and 1000");
        if (!(guidance >= 0) || double.IsInfinity(guidance)) throw new Runtime.UserError($"--guidance-scale {guidance}: must be a finite number >= 0");
        using var pipe = StableDiffusionPipeline.Load(modelFolder, device ?? torch.CPU);
        if (!pipe.IsPixelSpace) throw new Runtime.UserError($"--model {modelFolder}: has a vae/; the check needs a pixel-space learned prior");
        int size = pipe.DefaultResolution;
        var library = PriorLibrary.Default;
        var camera = new CameraRanges().MidCamera(elevationDeg: 15, azimuthDeg: 0);
        // members as the training data renders them (one ray per pixel), from the front
        var members = new SdfRenderer { Supersample = BuiltinPriorOptions.DefaultSupersample }.Render(library.Members.Select(m => m.Scene).ToList(), camera, size, size);
        using var scope = torch.NewDisposeScope();
        var shape = pipe.LatentShape(size, size);
        var noise = torch.cat(Enumerable.Range(0, seeds).Select(s => torch.randn(shape, generator: new Generator((ulong)s))).ToArray(), 0);
        var uncond = pipe.EncodePrompt("");
        var rows = new List<SampleCheckRow>();
        var tiles = new List<RgbImage>();
        foreach (var family in library.Families)
        {
            var prompt = LearnedPriorTraining.FamilyPrompt(family);
            log?.Invoke($"sampling \"{prompt}\" x {seeds}");
            var images = pipe.DecodeToImages(pipe.Sample(pipe.EncodePrompt(prompt), uncond, noise, steps, guidance)).cpu();
            var nearestTiles = new List<RgbImage>();
            for (int s = 0; s < seeds; s++)
            {
                var sample = RgbImage.FromTensor(images[s]);
                var (best, psnr) = Nearest(sample.Pixels, members);
                var nearest = library.Members[best];
                rows.Add(new SampleCheckRow(family.Name, prompt, s, nearest.Name, nearest.Family, psnr));
                tiles.Add(sample);
                nearestTiles.Add(new RgbImage(size, size, members[best].Rgb));
            }
            tiles.AddRange(nearestTiles);
        }
        return new SampleCheckResult(rows, ImageIO.Grid(tiles, 2 * seeds, scale: Math.Max(1, 96 / size)));
    }

    /// <summary>The member image with the highest PSNR against <paramref name="rgb"/> (the first of equals), and that PSNR.</summary>
    internal static (int Index, double Psnr) Nearest(float[] rgb, IReadOnlyList<SceneImage> members)
    {
        int best = 0;
        double bestSe = double.MaxValue;
        for (int m = 0; m < members.Count; m++)
        {
            var other = members[m].Rgb;
            if (other.Length != rgb.Length) throw new ArgumentException($"member {m} has {other.Length} values, the sample {rgb.Length}");
            double se = 0;
            for (int k = 0; k < rgb.Length; k++) { double d = rgb[k] - other[k]; se += d * d; }
            if (se < bestSe) { bestSe = se; best = m; }
        }
        return (best, 10 * Math.Log10(1 / Math.Max(bestSe / rgb.Length, 1e-12)));
    }
}
