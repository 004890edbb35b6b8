using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Models.Clip;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Scenes;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.LearnedPrior;

/// <summary>
/// An unlimited stream of captioned renders of the built-in scene families, example i a pure function of
/// (seed, i): a resumed run sees exactly the batches an uninterrupted one would, without saving any state.
/// Families come in shuffled rounds (every family once per round), attribute values are drawn uniformly, and
/// the shape is a fresh draw of the family's generator (so sizes and proportions vary continuously instead of
/// repeating the prior's fixed members). Cameras follow the trainer's ranges, lighting is the prior's.
/// </summary>
public sealed class PriorTrainingData
{
    public IReadOnlyList<SceneFamily> Families { get; }
    public int Seed { get; }
    public int Size { get; }
    public double EmptyCaptionRate { get; }
    public CameraRanges Cameras { get; }
    private readonly SdfRenderer _renderer;
    private readonly ClipTokenizer? _tokenizer;

    /// <param name="tokenizer">when given, attributes are left out of a caption until it fits the tokenizer's length</param>
    public PriorTrainingData(int seed, int size, double emptyCaptionRate = 0.1, int supersample = BuiltinPriorOptions.DefaultSupersample,
                             CameraRanges? cameras = null, ClipTokenizer? tokenizer = null)
    {
        if (size < 8 || size > 256) throw new UserError($"training image size {size}: must be between 8 and 256");
        if (!(emptyCaptionRate >= 0 && emptyCaptionRate < 1))
            throw new UserError($"empty caption rate {emptyCaptionRate}: must be in [0, 1)");
        Seed = seed; Size = size; EmptyCaptionRate = emptyCaptionRate;
        Cameras = cameras ?? new CameraRanges();
        Cameras.Validate();
        // the families' generators; the members themselves are not used, so one per family keeps this cheap
        Families = new PriorLibrary(1, PriorLibrary.DefaultSeed).Families;
        _renderer = new SdfRenderer { Supersample = supersample };
        _tokenizer = tokenizer;
    }

    /// <summary>The family of example <paramref name="index"/>: each round
    /// of F examples holds every family once, in a seeded order.</summary>
    public SceneFamily FamilyOf(int index)
    {
        int f = Families.Count, round = index / f;
        var order = Enumerable.Range(0, f).ToArray();
        new Random(Seeds.Mix(Seed, round, 0xFA31)).Shuffle(order);
        return Families[order[index % f]];
    }

    public TrainingExample Example(int index)
    {
        if (index < 0) throw new ArgumentOutOfRangeException(nameof(index));
        var family = FamilyOf(index);
        var rng = new Random(Seeds.Mix(Seed, index, 0xDA7A));
        var attrs = family.Slots.ToDictionary(s => s.Name, s => s.Values[rng.Next(s.Values.Count)].Value);
        var scene = family.Build(attrs, new Random(rng.Next()));
        double U(double a, double b) => a + (b - a) * rng.NextDouble();
        var camera = new Camera(U(Cameras.ElevationMinDeg, Cameras.ElevationMaxDeg), U(Cameras.AzimuthMinDeg, Cameras.AzimuthMaxDeg),
                                U(Cameras.DistanceMin, Cameras.DistanceMax), U(Cameras.FovYMinDeg, Cameras.FovYMaxDeg));
        bool empty = rng.NextDouble() < EmptyCaptionRate;
        // each attribute is named with probability 3/4, so partial prompts ("a red mushroom") are in the data too
        var named = family.Slots.Where(_ => rng.NextDouble() < 0.75).Select(s => s.Name).ToList();
        var caption = empty ? "" : Caption(family, attrs, named, camera.ViewName());
        while (_tokenizer != null && named.Count > 0 && _tokenizer.Encode(caption).Length > _tokenizer.MaxLength)
        {
            named.RemoveAt(named.Count - 1);
            caption = Caption(family, attrs, named, camera.ViewName());
        }
        var image = _renderer.Render(scene, camera, Size, Size);
        return new TrainingExample(family.Name, attrs, camera, caption, Size, image.Rgb);
    }

    /// <summary>
    /// "a red tall mushroom with spots, front view": one-word phrases before the family's noun, longer ones after
    /// it (as "with ..." unless they say with/without themselves). Every phrase is the attribute value's first
    /// prompt phrase, so <see cref="PromptParser"/> reads the caption back to the family and these values.
    /// </summary>
    public static string Caption(SceneFamily family, IReadOnlyDictionary<string, string> attributes, IEnumerable<string> slots, string view)
    {
        var before = new List<string>();
        var after = new List<string>();
        foreach (var slot in family.Slots.Where(s => slots.Contains(s.Name)))
        {
            var phrase = slot.Values.First(v => v.Value == attributes[slot.Name]).Phrases[0];
            if (!phrase.Contains(' ')) before.Add(phrase);
            else after.Add(phrase.StartsWith("with", StringComparison.Ordinal) ? phrase : "with " + phrase);
        }
        var words = new List<string> { "a" };
        words.AddRange(before);
        words.Add(family.Nouns[0]);
        if (after.Count > 0) words.Add(string.Join(" and ", after));
        return string.Join(" ", words) + ", " + view + " view";
    }

    /// <summary>Examples [first, first + count) as an image batch [count, 3,
    /// Size, Size] in [-1, 1] (the UNet's range) and their captions.</summary>
    public (Tensor Images, string[] Captions) Batch(int first, int count)
    {
        var examples = new TrainingExample[count];
        // renders are independent; their order in the batch is fixed by index, not by which finishes first
        Parallel.For(0, count, i => examples[i] = Example(first + i));
        int n = Size * Size * 3;
        var pixels = new float[count * n];
        for (int i = 0; i < count; i++) Array.Copy(examples[i].Rgb, 0, pixels, i * n, n);
        using var hwc = torch.tensor(pixels, new long[] { count, Size, Size, 3 });
        var images = hwc.permute(0, 3, 1, 2).Times(2).Minus(1).contiguous();
        return (images, examples.Select(e => e.Caption).ToArray());
    }

    public const int StatisticsExamples = 1024;

    /// <summary>
    /// Mean and standard deviation over examples [0, count) of each image's per-channel spatial mean, in the UNet's
    /// [-1, 1] range: what the sampler needs to start from the forward process's marginal (SchedulerConfig.MatchStartToData).
    /// </summary>
    public (double[] Mean, double[] Std) ChannelStatistics(int count = StatisticsExamples)
    {
        var means = new List<double[]>();
        for (int first = 0; first < count; first += 128)
        {
            var (images, _) = Batch(first, Math.Min(128, count - first));
            using (images)
            using (var m = images.to(ScalarType.Float64).mean(new long[] { 2, 3 }))
            {
                var v = m.data<double>().ToArray();
                for (int i = 0; i < v.Length / 3; i++) means.Add(v.Skip(3 * i).Take(3).ToArray());
            }
        }
        var mean = Enumerable.Range(0, 3).Select(c => means.Average(x => x[c])).ToArray();
        var std = Enumerable.Range(0, 3).Select(c =>
            Math.Sqrt(means.Sum(x => (x[c] - mean[c]) * (x[c] - mean[c])) / (means.Count - 1))).ToArray();
        return (mean, std);
    }
}
