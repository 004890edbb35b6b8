using DreamTime.Diffusion;
using DreamTime.Rendering;
using DreamTime.Runtime;

namespace DreamTime.Guidance.BuiltinPrior;

public sealed record BuiltinPriorOptions
{
    // Measured (2D SDS on one view, 200 TP-SDS steps, 4 prompts x 2 seeds): scale 1 reached 25-32 dB against the
    // nearest member, 2 lost 0.5-3 dB, 3-15 oversaturated (16-26 dB) and collapsed every seed onto one member.
    public const double DefaultGuidanceScale = 1.0;
    public const double DefaultTemperaturePixels = 64;
    public const int DefaultSupersample = 1;

    /// <summary>Classifier-free guidance scale s in eps_u + s (eps_c - eps_u); 1 = conditional only.</summary>
    public double GuidanceScale { get; init; } = DefaultGuidanceScale;
    public SdsWeighting Weighting { get; init; } = SdsWeighting.OneMinusAlphaBar;
    public NoiseSchedule Schedule { get; init; } = NoiseSchedule.StableDiffusion;
    /// <summary>Clip of the SDS gradient (threestudio's grad_clip); null = none.</summary>
    public double? GradClip { get; init; }
    public UnconditionalSet Unconditional { get; init; } = UnconditionalSet.AllFamilies;
    /// <summary>
    /// The posterior's temperature, given as an effective pixel count P: log-likelihoods are multiplied by
    /// s = P / (H W), i.e. the posterior is tempered with temperature H W / P and is as sharp as the exact posterior
    /// of a P-pixel image whatever the render size. At the default P = 64 and 64x64 renders s = 1/64: the broad,
    /// coarse phase lasts longer, but at large t the posterior barely depends on the noise. null = untempered
    /// (s = 1, the exact posterior of the member set).
    /// </summary>
    public double? TemperaturePixels { get; init; } = DefaultTemperaturePixels;
    /// <summary>Rays per pixel side of the member renders (2 = 2x2 anti-aliasing).</summary>
    public int Supersample { get; init; } = DefaultSupersample;
    /// <summary>What the members are rendered as: shaded colours, or normal images (a stage's guidance_input "normal").</summary>
    public ImageModality Input { get; init; } = ImageModality.Shaded;

    public void Validate()
    {
        SdsOptions.Check(GuidanceScale, GradClip);
        if (TemperaturePixels is double k && !(k > 0))
            throw new UserError("temperature_pixels", $"is {k}; must be > 0 (or null for the exact posterior)");
        if (Supersample < 1 || Supersample > 8) throw new UserError("supersample", $"is {Supersample}; must be between 1 and 8");
    }

    public static readonly IReadOnlyDictionary<string, UnconditionalSet> UnconditionalNames = new Dictionary<string, UnconditionalSet>
    {
        ["all"] = UnconditionalSet.AllFamilies,
        ["family"] = UnconditionalSet.Family,
    };

    public static UnconditionalSet ParseUnconditional(string name, string key = "unconditional") =>
        UnconditionalNames.TryGetValue(name.Trim().ToLowerInvariant(), out var u) ? u
            : throw new UserError(key, $"{name}: unknown; allowed: {string.Join(", ", UnconditionalNames.Keys)}");

    /// <summary>Log-likelihood multiplier for images of the given pixel count.</summary>
    public double Sharpness(long pixels) => TemperaturePixels is double k ? k / pixels : 1.0;
}
