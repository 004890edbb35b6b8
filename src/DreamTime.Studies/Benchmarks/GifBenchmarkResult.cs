namespace DreamTime.Studies.Benchmarks;

/// <summary>Median seconds of one encode and of its stages (each the median over the runs), and the file size.</summary>
public sealed record GifBenchmarkResult(GifBenchmarkSettings Settings, double Convert, double Palette, double Index, double Compress,
    double Write, double Total, int Bytes)
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
