using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Diffusion;

/// <summary>The pieces of score distillation every guidance shares: noising, w(t), the guarded gradient and the loss.</summary>
public static class ScoreDistillation
{
    public static readonly IReadOnlyDictionary<string, SdsWeighting> WeightingNames = new Dictionary<string, SdsWeighting>
    {
        ["1-ab"] = SdsWeighting.OneMinusAlphaBar,
        ["1"] = SdsWeighting.One,
        ["sqrt(ab)(1-ab)"] = SdsWeighting.SqrtAlphaBarTimesOneMinusAlphaBar,
        ["sqrt((1-ab)/ab)"] = SdsWeighting.SqrtOneMinusOverAlphaBar,
    };

    public static SdsWeighting ParseWeighting(string name, string key = "weighting") =>
        WeightingNames.TryGetValue(name.Trim(), out var w) ? w
            : throw new UserError(key, $"{name}: unknown weighting; allowed: {string.Join(", ", WeightingNames.Keys)}");

    public static string NameOf(SdsWeighting w) => WeightingNames.First(kv => kv.Value == w).Key;

    public static double Weight(SdsWeighting w, double alphaBar) => w switch
    {
        SdsWeighting.OneMinusAlphaBar => 1 - alphaBar,
        SdsWeighting.One => 1,
        SdsWeighting.SqrtAlphaBarTimesOneMinusAlphaBar => Math.Sqrt(alphaBar) * (1 - alphaBar),
        SdsWeighting.SqrtOneMinusOverAlphaBar => Math.Sqrt((1 - alphaBar) / alphaBar),
        _ => throw new ArgumentOutOfRangeException(nameof(w)),
    };

    /// <summary>x_t = sqrt(ab) x0 + sqrt(1 - ab) eps, with eps drawn from the generator. Returns (x_t, eps); no gradient.</summary>
    public static (Tensor Noisy, Tensor Noise) AddNoise(Tensor x0, double alphaBar, Generator generator)
    {
        using var _ = torch.no_grad();
        var noise = torch.randn(x0.shape, dtype: x0.dtype, generator: generator).to(x0.device);
        var noisy = x0.detach().Times(Math.Sqrt(alphaBar)).Plus(noise.Times(Math.Sqrt(1 - alphaBar)));
        return (noisy, noise);
    }

    /// <summary>w(t) (eps_hat - eps), NaN/Inf replaced by 0 and optionally clipped to [-clip, clip] (threestudio's grad_clip).</summary>
    public static Tensor Gradient(Tensor epsHat, Tensor noise, double weight, double? clip = null)
    {
        using var _ = torch.no_grad();
        var g = (epsHat - noise).Times(weight);
        g = torch.nan_to_num(g, 0, 0, 0);
        if (clip is double c) g = g.ClampedTo(-c, c);
        return g;
    }

    /// <summary>
    /// 0.5 ||x0 - stopgrad(x0 - grad)||^2 / B: its gradient with respect to x0 is grad / B, which is how
    /// score distillation hands a gradient that bypasses the diffusion model to autograd.
    /// </summary>
    public static Tensor Loss(Tensor x0, Tensor grad)
    {
        var target = (x0 - grad).detach();
        return torch.nn.functional.mse_loss(x0, target, reduction: nn.Reduction.Sum).Times(0.5).DividedBy(x0.shape[0]);
    }
}
