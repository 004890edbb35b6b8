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
            : throw new Runtime.UserError("palette", $"{name}: unknown palette; allowed: {string.Join(", ", PaletteNames.Keys)}");

    public static string NameOf(GifPaletteKind kind) => PaletteNames.First(kv => kv.Value == kind).Key;

    public void Validate()
    {
        BenchmarkTable.RequireRange(Frames, 1, 1000, "frames");
        BenchmarkTable.RequireRange(Size, 1, 4096, "size");
        BenchmarkTable.RequireRange(Runs, 1, 1000, "runs");
        BenchmarkTable.RequireRange(Warmup, 0, 100, "warmup");
    }
}
