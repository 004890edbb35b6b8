using DreamTime.Imaging;

namespace DreamTime.Studies.Benchmarks;

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
