using System.Text.Json;
using System.Text.Json.Serialization;
using DreamTime.Runtime;

namespace DreamTime.Representations.Nerf;

/// <summary>
/// Everything that decides a NeRF's architecture and how it is rendered. JSON round-trips (it is stored in
/// checkpoints). The defaults are tuned for a 2-core CPU: 8 levels from 16 to 152 cells across the scene box
/// (152 cells: finest cell ~1/75 of the bound radius, finer than the built-in prior's ~1/32 detail), 2^17 rows per
/// hashed level, 48 samples per ray. A 32x32-ray training step (forward, backward, Adam) then costs
/// ~0.15 s there and 64x64 rays at 32 samples ~0.3 s (see `dreamtime benchmark nerf-step`).
/// </summary>
/// <param name="HashLevels">Number of hash-grid levels L.</param>
/// <param name="FeaturesPerLevel">Features per level F (Instant-NGP uses 2).</param>
/// <param name="Log2TableSize">log2 of the entries per hashed level T; coarse levels with (res+1)^3 &lt;= T are stored densely.</param>
/// <param name="BaseResolution">Grid resolution of the coarsest level.</param>
/// <param name="PerLevelScale">Resolution growth factor between levels.</param>
/// <param name="HiddenWidth">Width of the hidden layers of the density and albedo MLPs.</param>
/// <param name="HiddenLayers">Number of hidden layers of each MLP.</param>
/// <param name="DensityActivation">"softplus" or "trunc_exp".</param>
/// <param name="DensityBias">"blob_magic3d" (bias = BlobDensity (1 - r / BlobRadius)),
/// "blob_gaussian" (BlobDensity exp(-r^2 / (2 BlobRadius^2))) or "none".</param>
/// <param name="BlobDensity">Height of the initial density blob.</param>
/// <param name="BlobRadius">Radius (or standard deviation) of the initial density blob, in world units.</param>
/// <param name="SamplesPerRay">Samples per ray inside the bounds.</param>
/// <param name="BoundRadius">Half-size of the scene box / radius of the scene sphere (world units).</param>
/// <param name="BoundShape">"sphere" or "cube": where rays are sampled.</param>
/// <param name="BackgroundKind">"mlp" (a small MLP of the view direction), "learned" (one learned colour) or "fixed".</param>
/// <param name="BackgroundColor">Colour of the "fixed" background and the initial colour of the "learned" one (RGB in [0,1]).</param>
/// <param name="BackgroundWidth">Hidden width of the background MLP.</param>
/// <param name="SkipWeight">Samples with compositing weight at most this get no albedo/normal evaluation (0 = evaluate all).</param>
public sealed record NerfConfig(
    int HashLevels = 8,
    int FeaturesPerLevel = 2,
    int Log2TableSize = 17,
    int BaseResolution = 16,
    double PerLevelScale = 1.38,
    int HiddenWidth = 32,
    int HiddenLayers = 1,
    string DensityActivation = "softplus",
    string DensityBias = "blob_magic3d",
    double BlobDensity = 10.0,
    double BlobRadius = 0.5,
    int SamplesPerRay = 48,
    double BoundRadius = 1.0,
    string BoundShape = "sphere",
    string BackgroundKind = "mlp",
    double[]? BackgroundColor = null,
    int BackgroundWidth = 16,
    double SkipWeight = 1e-4)
{
    public static readonly string[] DensityActivations = ["softplus", "trunc_exp"];
    public static readonly string[] DensityBiases = ["blob_magic3d", "blob_gaussian", "none"];
    public static readonly string[] BoundShapes = ["sphere", "cube"];
    public static readonly string[] BackgroundKinds = ["mlp", "learned", "fixed"];

    /// <summary>The background colour with its default (white).</summary>
    [JsonIgnore]
    public (double R, double G, double B) BackgroundRgb =>
        BackgroundColor is { Length: 3 } c ? (c[0], c[1], c[2]) : (1.0, 1.0, 1.0);

    /// <summary>Resolution of the finest hash level.</summary>
    [JsonIgnore]
    public int FinestResolution => (int)Math.Floor(BaseResolution * Math.Pow(PerLevelScale, HashLevels - 1));

    /// <summary>Throws a <see cref="UserError"/> naming the first setting out of range.</summary>
    public NerfConfig Validate()
    {
        static void Need(bool ok, string what) { if (!ok) throw new UserError($"nerf config: {what}"); }
        Need(HashLevels is >= 1 and <= 32, $"HashLevels {HashLevels} must be in 1..32");
        Need(FeaturesPerLevel is >= 1 and <= 8, $"FeaturesPerLevel {FeaturesPerLevel} must be in 1..8");
        Need(Log2TableSize is >= 8 and <= 24, $"Log2TableSize {Log2TableSize} must be in 8..24");
        Need(BaseResolution is >= 2 and <= 1024, $"BaseResolution {BaseResolution} must be in 2..1024");
        Need(PerLevelScale is >= 1.0 and <= 4.0, $"PerLevelScale {PerLevelScale} must be in [1, 4]");
        Need(FinestResolution <= 1 << 20, $"finest resolution {FinestResolution} is too large (lower PerLevelScale or HashLevels)");
        Need(HiddenWidth is >= 1 and <= 1024, $"HiddenWidth {HiddenWidth} must be in 1..1024");
        Need(HiddenLayers is >= 1 and <= 8, $"HiddenLayers {HiddenLayers} must be in 1..8");
        Need(DensityActivations.Contains(DensityActivation),
            $"DensityActivation '{DensityActivation}' must be one of {string.Join(", ", DensityActivations)}");
        Need(DensityBiases.Contains(DensityBias), $"DensityBias '{DensityBias}' must be one of {string.Join(", ", DensityBiases)}");
        Need(BlobRadius > 0, $"BlobRadius {BlobRadius} must be > 0");
        Need(SamplesPerRay is >= 1 and <= 4096, $"SamplesPerRay {SamplesPerRay} must be in 1..4096");
        Need(BoundRadius > 0, $"BoundRadius {BoundRadius} must be > 0");
        Need(BoundShapes.Contains(BoundShape), $"BoundShape '{BoundShape}' must be one of {string.Join(", ", BoundShapes)}");
        Need(BackgroundKinds.Contains(BackgroundKind),
            $"BackgroundKind '{BackgroundKind}' must be one of {string.Join(", ", BackgroundKinds)}");
        Need(BackgroundColor is null || (BackgroundColor.Length == 3 && BackgroundColor.All(v => v is >= 0 and <= 1)),
            "BackgroundColor must be three numbers in [0, 1]");
        Need(BackgroundWidth is >= 1 and <= 1024, $"BackgroundWidth {BackgroundWidth} must be in 1..1024");
        Need(SkipWeight is >= 0 and < 0.1, $"SkipWeight {SkipWeight} must be in [0, 0.1)");
        return this;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static NerfConfig FromJson(string json, string source = "nerf config")
    {
        try { return (JsonSerializer.Deserialize<NerfConfig>(json) ?? throw new UserError($"{source}: empty JSON")).Validate(); }
        catch (JsonException e) { throw new UserError($"{source}: invalid JSON ({e.Message.Split('\n')[0]})"); }
    }
}
