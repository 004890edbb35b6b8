using System.Globalization;
using DreamTime.Rendering;
using DreamTime.Representations.Nerf;
using TorchSharp;

namespace DreamTime.Studies.Benchmarks;

/// <summary>What `benchmark nerf-step` trains: a NeRF of <see cref="Config"/> fitting random targets.</summary>
public sealed record NerfStepSettings
{
    public NerfConfig Config { get; init; } = new();
    /// <summary>Render size: an HxH image of rays per camera.</summary>
    public int RaysHw { get; init; } = 32;
    /// <summary>Cameras per step.</summary>
    public int Batch { get; init; } = 1;
    public ShadingMode Shading { get; init; } = ShadingMode.Diffuse;
    /// <summary>Timed steps (every column is the median over them).</summary>
    public int Steps { get; init; } = 5;
    /// <summary>Untimed steps first.</summary>
    public int Warmup { get; init; } = 2;

    public static readonly IReadOnlyDictionary<string, ShadingMode> ShadingNames = new Dictionary<string, ShadingMode>
    {
        ["albedo"] = ShadingMode.Albedo,
        ["diffuse"] = ShadingMode.Diffuse,
        ["textureless"] = ShadingMode.Textureless,
    };

    /// <summary>Names of the hash-grid implementations: kernel (CPU loops with a custom autograd node) and tensor (library ops).</summary>
    public static readonly IReadOnlyDictionary<string, HashGridBackend> BackendNames = new Dictionary<string, HashGridBackend>
    {
        ["kernel"] = HashGridBackend.Auto,
        ["tensor"] = HashGridBackend.TensorOps,
    };

    public static ShadingMode ParseShading(string name) =>
        ShadingNames.TryGetValue(name, out var s) ? s
            : throw new Runtime.UserError("shading", $"{name}: use {string.Join(", ", ShadingNames.Keys)}");

    /// <summary>"kernel", "tensor" or "both" (one row each, tensor first).</summary>
    public static HashGridBackend[] ParseBackends(string name) => name == "both"
        ? [HashGridBackend.TensorOps, HashGridBackend.Auto]
        : BackendNames.TryGetValue(name, out var b) ? [b] : throw new Runtime.UserError("backend", $"{name}: use kernel, tensor or both");

    public static string NameOf(HashGridBackend backend) => BackendNames.First(kv => kv.Value == backend).Key;

    public void Validate()
    {
        BenchmarkTable.RequireRange(RaysHw, 1, 1024, "rays_hw");
        BenchmarkTable.RequireRange(Batch, 1, 64, "batch");
        BenchmarkTable.RequireRange(Steps, 1, 1000, "steps");
        BenchmarkTable.RequireRange(Warmup, 0, 100, "warmup");
        // the config's own checks name its fields; the fields the command exposes are checked first under their option names
        BenchmarkTable.RequireRange(Config.SamplesPerRay, 1, 4096, "config.samples_per_ray");
        BenchmarkTable.RequireRange(Config.HashLevels, 1, 32, "config.hash_levels");
        BenchmarkTable.RequireRange(Config.Log2TableSize, 8, 24, "config.log2_table_size");
        BenchmarkTable.RequireRange(Config.BaseResolution, 2, 1024, "config.base_resolution");
        BenchmarkTable.RequireRange(Config.HiddenWidth, 1, 1024, "config.hidden_width");
        if (!(Config.PerLevelScale is >= 1.0 and <= 4.0))
            throw new Runtime.UserError("config.per_level_scale",
                $"is {Config.PerLevelScale.ToString(CultureInfo.InvariantCulture)}; must be in [1, 4]");
        Config.Validate();
    }

    /// <summary>One line naming everything that decides the step's cost.</summary>
    public string Describe() =>
        $"nerf-step: {Batch}x{RaysHw}x{RaysHw} rays x {Config.SamplesPerRay} samples, " +
        $"{Config.HashLevels} levels x 2^{Config.Log2TableSize} " +
        $"(base {Config.BaseResolution}, scale {Config.PerLevelScale.ToString(CultureInfo.InvariantCulture)}, " +
        $"finest {Config.FinestResolution}), " +
        $"MLP width {Config.HiddenWidth}, {Shading} shading, {torch.get_num_threads()} libtorch threads, " +
        $"{HashGridEncoding.KernelThreads} kernel threads; " +
        $"median of {Steps} steps after {Warmup} warm-up";
}
