using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Diffusion;

/// <summary>
/// What a diffusion model's output means (diffusers' prediction_type) and how it becomes the noise and the clean
/// sample. For x_t = sqrt(ab) x0 + sqrt(1 - ab) eps, "epsilon" predicts eps, "sample" predicts x0 and
/// "v_prediction" predicts v = sqrt(ab) eps - sqrt(1 - ab) x0. The DDIM sampler and score distillation both convert
/// here, so the two cannot disagree about a checkpoint.
/// </summary>
public static class ModelPrediction
{
    public const string Epsilon = "epsilon";
    public const string VPrediction = "v_prediction";
    public const string Sample = "sample";

    public static readonly string[] Types = { Epsilon, VPrediction, Sample };

    /// <summary>
    /// The noise and the clean sample that a model output implies at x_t = <paramref name="sample"/>. The square roots
    /// are taken in float32 from the float32 alphas_cumprod entry, as the reference schedulers do; near t = 0 the
    /// x0 prediction is divided by sqrt(1 - ab) (~0.03) and near t = T the noise prediction by sqrt(ab), so those
    /// conversions magnify the output's rounding.
    /// </summary>
    /// <param name="predictionType">one of <see cref="Types"/> (already validated with the scheduler config)</param>
    /// <param name="alphaBar">alphas_cumprod at the output's timestep</param>
    /// <returns>for "epsilon" the noise is <paramref name="output"/> itself, for "sample" the clean sample is</returns>
    public static (Tensor Epsilon, Tensor X0) ToEpsilonAndX0(string predictionType, Tensor output, Tensor sample, float alphaBar)
    {
        var (sqrtA, sqrtB) = Roots(alphaBar);
        return predictionType switch
        {
            Epsilon => (output, (sample - output.Times(sqrtB)).DividedBy(sqrtA)),
            Sample => ((sample - output.Times(sqrtA)).DividedBy(sqrtB), output),
            VPrediction => (output.Times(sqrtA).Plus(sample.Times(sqrtB)), sample.Times(sqrtA) - output.Times(sqrtB)),
            _ => throw Unknown(predictionType),
        };
    }

    /// <summary>Only the noise of <see cref="ToEpsilonAndX0"/>.</summary>
    public static Tensor ToEpsilon(string predictionType, Tensor output, Tensor sample, float alphaBar)
    {
        var (eps, x0) = ToEpsilonAndX0(predictionType, output, sample, alphaBar);
        if (!ReferenceEquals(x0, output)) x0.Dispose();
        return eps;
    }

    /// <summary>
    /// What a model of this prediction type is trained to output for x_t = sqrt(ab) x0 + sqrt(1 - ab) eps: eps,
    /// v = sqrt(ab) eps - sqrt(1 - ab) x0, or x0; <paramref name="alphaBar"/> broadcasts against x0 (one per item).
    /// </summary>
    public static Tensor TrainingTarget(string predictionType, Tensor x0, Tensor eps, Tensor alphaBar) => predictionType switch
    {
        Epsilon => eps.alias(),
        VPrediction => alphaBar.sqrt() * eps - alphaBar.SubtractedFrom(1.0).sqrt() * x0,
        Sample => x0.alias(),
        _ => throw Unknown(predictionType),
    };

    private static (float SqrtA, float SqrtB) Roots(float alphaBar)
    {
        if (!(alphaBar > 0 && alphaBar < 1))
            throw new ArgumentOutOfRangeException(nameof(alphaBar), $"alphas_cumprod {alphaBar} must be in (0, 1)");
        return (MathF.Sqrt(alphaBar), MathF.Sqrt(1f - alphaBar));
    }

    private static ArgumentException Unknown(string predictionType) =>
        new($"prediction_type \"{predictionType}\" is not one of {string.Join(", ", Types)}", nameof(predictionType));
}
