using DreamTime.Diffusion;
using DreamTime.Optimization;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Guidance;

/// <summary>
/// The skeleton every SDS variant shares: map the render to the space the model denoises (differentiably),
/// noise it at t, ask the model for eps_hat without gradient, and hand w(t) (eps_hat - baseline) to autograd through
/// 0.5 ||x - stopgrad(x - grad)||^2 / B. A backend supplies the two model-specific parts. The baseline is the added
/// noise eps in SDS; VSD swaps in a learned score of the renders (<see cref="Baseline"/>) and adds the terms that
/// train it (<see cref="OwnTerms"/>).
/// </summary>
public abstract class ScoreDistillationGuidance : IGuidance
{
    public abstract string Name { get; }
    public abstract NoiseSchedule Schedule { get; }
    public abstract SdsOptions Sds { get; }

    /// <summary>The render in the model's space (latents, or pixels in [-1, 1]), part of the autograd graph.</summary>
    protected abstract Tensor Encode(GuidanceInput input);

    /// <summary>The guided noise prediction for x_t (no gradient), plus anything worth logging.</summary>
    protected abstract Tensor PredictNoise(Tensor noisy, GuidanceInput input, double alphaBar, Dictionary<string, double> stats);

    /// <summary>The name of the distillation term ("sds"; "vsd" when the baseline is a learned score).</summary>
    protected virtual string LossName => "sds";

    /// <summary>
    /// What the guided prediction is compared with (no gradient): the noise that was added, in SDS; VSD replaces it
    /// by a learned estimate of the renders' own score.
    /// </summary>
    protected virtual Tensor Baseline(Tensor noisy, Tensor noise, GuidanceInput input) => noise;

    /// <summary>Loss terms the guidance trains its own parameters with, from the detached model-space renders (VSD's LoRA).</summary>
    protected virtual IEnumerable<(string Name, Tensor Loss)> OwnTerms(Tensor x, GuidanceInput input) => [];

    public GuidanceOutput Step(GuidanceInput input)
    {
        var rgb = input.Render.Rgb;
        if (rgb.ndim != 4 || rgb.shape[3] != 3)
            throw new ArgumentException($"render rgb must be [B,H,W,3], got [{string.Join(",", rgb.shape)}]");
        if (input.Cameras.Count != rgb.shape[0])
            throw new ArgumentException($"{input.Cameras.Count} cameras for a batch of {rgb.shape[0]}");
        if (input.T < 0 || input.T >= Schedule.TrainTimesteps)
            throw new ArgumentOutOfRangeException(nameof(input), $"t {input.T} outside [0, {Schedule.TrainTimesteps})");

        using var scope = torch.NewDisposeScope();
        var x = Encode(input);
        double alphaBar = Schedule.AlphaBar(input.T);
        var (noisy, eps) = ScoreDistillation.AddNoise(x, alphaBar, input.Noise);
        var stats = new Dictionary<string, double>();
        var epsHat = PredictNoise(noisy, input, alphaBar, stats);
        NonFiniteOutputException.ThrowIfNotFinite(epsHat, () => $"the {Name} guidance's noise prediction at t={input.T}");
        double w = ScoreDistillation.Weight(Sds.Weighting, alphaBar);
        var baseline = Baseline(noisy, eps, input);
        var grad = ScoreDistillation.Gradient(epsHat.to(x.dtype).reshape(x.shape), baseline.to(x.dtype).reshape(x.shape), w, Sds.GradClip);
        var losses = new Dictionary<string, Tensor> { [LossName] = ScoreDistillation.Loss(x, grad).MoveToOuterDisposeScope() };
        foreach (var (name, term) in OwnTerms(x.detach(), input)) losses[name] = term.MoveToOuterDisposeScope();
        stats["grad_norm"] = grad.norm().ReadDouble();
        stats["w"] = w;
        stats["alpha_bar"] = alphaBar;
        return new GuidanceOutput(losses, stats);
    }

    /// <inheritdoc cref="IGuidance.TrainableGroups"/>
    public virtual IReadOnlyList<ParameterGroup> TrainableGroups => [];

    /// <summary>Hook called at the start of every training step (<see cref="IGuidance.UpdateStep"/>).</summary>
    public virtual void UpdateStep(int step) { }

    public virtual void Dispose() { }
}
