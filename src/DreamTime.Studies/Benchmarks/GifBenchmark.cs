using DreamTime.Imaging;

namespace DreamTime.Studies.Benchmarks;

/// <summary>What `benchmark gif` encodes: an animation of smooth, slightly noisy frames, like a turntable of renders.</summary>
public sealed record GifBenchmarkSettings
{
    public int Frames { get; init; } = 36;
    /// <summary>Side of the square frames, in pixels.</summary>
    public int Size { get; init; } = 256;
    public GifPaletteKind Palette { get; init; } = GifPaletteKind.MedianCut;
    public bool Dither { get; init; } = true;
    /// <summary>Timed encodes (the median is reported).</summary>
    public int Runs { get; init; } = 5;
    /// <summary>Untimed encodes first (JIT, caches).</summary>
    public int Warmup { get; init; } = 1;

    public static readonly IReadOnlyDictionary<string, GifPaletteKind> PaletteNames = new Dictionary<string, GifPaletteKind>
    {
        ["median-cut"] = GifPaletteKind.MedianCut,
        ["color-cube"] = GifPaletteKind.ColorCube,
    };

    public static GifPaletteKind ParsePalette(string name) =>
        PaletteNames.TryGetValue(name, out var kind) ? kind
            : throw new Runtime.UserError($"--palette {name}: unknown palette; allowed: {string.Join(", ", PaletteNames.Keys)}");

    public static string NameOf(GifPaletteKind kind) => PaletteNames.First(kv => kv.Value == kind).Key;

    public void Validate()
    {
        BenchmarkTable.RequireRange(Frames, 1, 1000, "--frames");
        BenchmarkTable.RequireRange(Size, 1, 4096, "--size");
        BenchmarkTable.RequireRange(Runs, 1, 1000, "--runs");
        BenchmarkTable.RequireRange(Warmup, 0, 100, "--warmup");
    }
}

/// <summary>Median seconds of one encode and of its stages (each the median over the runs), and the file size.</summary>
public sealed record GifBenchmarkResult(GifBenchmarkSettings Settings, double Convert, double Palette, double Index, double Compress, double Write, double Total, int Bytes)
{
    public string Table() => BenchmarkTable.Format(
        ["frames", "size", "colours", "dither", "to bytes", "palette", "index", "lzw", "write", "total", "ms/frame", "KiB"],
        [[
            Settings.Frames.ToString(), $"{Settings.Size}x{Settings.Size}", GifBenchmarkSettings.NameOf(Settings.Palette),
            Settings.Dither ? "yes" : "no", BenchmarkTable.Ms(Convert), BenchmarkTable.Ms(Palette), BenchmarkTable.Ms(Index),
            BenchmarkTable.Ms(Compress), BenchmarkTable.Ms(Write), BenchmarkTable.Ms(Total), BenchmarkTable.Ms(Total / Settings.Frames),
            (Bytes / 1024.0).ToString("F1", System.Globalization.CultureInfo.InvariantCulture),
        ]]);
}

/// <summary>Times <see cref="GifWriter.Encode"/> on generated frames.</summary>
public static class GifBenchmark
{
    public static GifBenchmarkResult Run(GifBenchmarkSettings settings)
    {
        settings.Validate();
        var frames = Frames(settings.Frames, settings.Size);
        var options = new GifOptions { Palette = settings.Palette, Dither = settings.Dither };
        for (int i = 0; i < settings.Warmup; i++) GifWriter.Encode(frames, options);
        var runs = new List<(GifTimings Parts, double Total)>();
        int bytes = 0;
        for (int i = 0; i < settings.Runs; i++)
        {
            var parts = new GifTimings();
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            bytes = GifWriter.Encode(frames, options, parts).Length;
            runs.Add((parts, BenchmarkTable.Seconds(start, System.Diagnostics.Stopwatch.GetTimestamp())));
        }
        double Median(Func<(GifTimings Parts, double Total), double> f) => BenchmarkTable.Median(runs.Select(f));
        return new GifBenchmarkResult(settings, Median(r => r.Parts.Convert), Median(r => r.Parts.Palette), Median(r => r.Parts.Index),
            Median(r => r.Parts.Compress), Median(r => r.Parts.Write), Median(r => r.Total), bytes);
    }

    /// <summary>Smooth gradients that drift from frame to frame, with a little noise (fixed seed): the palette has work to do.</summary>
    public static List<RgbImage> Frames(int count, int size)
    {
        var rng = new Random(2);
        return Enumerable.Range(0, count).Select(f =>
        {
            var px = new float[size * size * 3];
            for (int i = 0; i < px.Length; i++) px[i] = (float)(0.5 + 0.4 * Math.Sin(i * 0.001 + f * 0.2) + 0.05 * rng.NextDouble());
            return new RgbImage(size, size, px);
        }).ToList();
    }
}
