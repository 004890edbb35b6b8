using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Guidance.BuiltinPrior;

/// <summary>
/// The optimal denoiser of the empirical distribution {x_k}: for x_t = sqrt(ab) x_0 + sqrt(1 - ab) eps,
/// w_k = softmax_k(-s ||x_t - sqrt(ab) x_k||^2 / (2 (1 - ab))), x0_hat = sum_k w_k x_k,
/// eps_hat = (x_t - sqrt(ab) x0_hat) / sqrt(1 - ab). s = 1 is exact; s &lt; 1 widens the kernel (a tempered
/// posterior), which keeps the posterior broad over a longer range of t. Members may carry prior log-weights
/// (log pi_k, added to the logits): the data set is then a weighted one, as when an input image makes some
/// members likelier than others.
/// </summary>
public static class ExactDenoiser
{
    /// <param name="noisy">x_t, [B, D].</param>
    /// <param name="members">Member images in the diffusion range [-1, 1]:
    /// [K, D] shared by the batch, or [B, K, D] (one set per camera).</param>
    /// <param name="alphaBar">ab_t in (0, 1).</param>
    /// <param name="sharpness">s: multiplies the log-likelihood; 1 = the exact posterior.</param>
    /// <param name="logPrior">[K] unnormalised log-weights of the members; null = uniform.</param>
    public static Posterior Denoise(Tensor noisy, Tensor members, double alphaBar, double sharpness = 1.0, Tensor? logPrior = null)
    {
        if (!(alphaBar > 0 && alphaBar < 1))
            throw new ArgumentOutOfRangeException(nameof(alphaBar), $"alpha_bar {alphaBar} must be in (0, 1)");
        if (noisy.dim() != 2) throw new ArgumentException($"noisy must be [B, D], got [{string.Join(",", noisy.shape)}]");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = noisy.to(float64);
        var xs = members.to(float64);
        bool shared = xs.dim() == 2;
        double sa = Math.Sqrt(alphaBar);
        // ||x - sa x_k||^2 = ||x||^2 - 2 sa x.x_k + ab ||x_k||^2
        var cross = shared ? x.matmul(xs.t()) : xs.bmm(x.unsqueeze(-1)).squeeze(-1);
        var memberNorms = xs.Squared().sum(-1);
        var dist2 = (x.Squared().sum(-1, keepdim: true) - cross.Times(2 * sa))
            .Plus((shared ? memberNorms.unsqueeze(0) : memberNorms).Times(alphaBar));
        var logits = dist2.Times(-sharpness / (2 * (1 - alphaBar)));
        if (logPrior is not null) logits = logits.Plus(logPrior.to(float64).to(logits.device));
        var logW = logits - logits.logsumexp(-1, keepdim: true);
        var w = logW.exp();
        var x0 = shared ? w.matmul(xs) : w.unsqueeze(1).bmm(xs).squeeze(1);
        var eps = (x - x0.Times(sa)).DividedBy(Math.Sqrt(1 - alphaBar));
        var entropy = -(w * logW).sum(-1);
        var result = new Posterior { Weights = w, X0 = x0, Eps = eps, Entropy = entropy };
        foreach (var tns in new[] { w, x0, eps, entropy }) tns.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>Classifier-free guidance: eps_u + scale (eps_c - eps_u); scale 1 gives the conditional prediction.</summary>
    public static Tensor Guided(Tensor conditionalEps, Tensor unconditionalEps, double scale) =>
        unconditionalEps.Plus((conditionalEps - unconditionalEps).Times(scale));
}
