using DreamTime.Diffusion;
using DreamTime.Models.Diffusers;
using DreamTime.Rendering;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Guidance.StableDiffusion;

/// <summary>How the VAE posterior becomes the latents that get noised.</summary>
public enum LatentMode
{
    /// <summary>A posterior sample drawn with the step's generator (threestudio).</summary>
    Sample,
    /// <summary>The posterior mean (deterministic).</summary>
    Mean,
}

/// <summary>Settings of Stable Diffusion score distillation; defaults as threestudio's DreamFusion-SD.</summary>
public sealed record StableDiffusionGuidanceOptions
{
    public string Prompt { get; init; } = "";
    public string NegativePrompt { get; init; } = "";
    public double GuidanceScale { get; init; } = 100;
    public SdsWeighting Weighting { get; init; } = SdsWeighting.OneMinusAlphaBar;
    /// <summary>Clip the SDS gradient to [-c, c]; null = no clipping.</summary>
    public double? GradClip { get; init; }
    /// <summary>Append ", front view" / ", side view" / ", back view" / ", overhead view" by camera.</summary>
    public bool ViewDependentPrompt { get; init; } = true;
    /// <summary>Side of the square image fed to the VAE; null = the model's resolution (UNet sample_size x VAE scale factor).</summary>
    public int? Resolution { get; init; }
    public LatentMode LatentMode { get; init; } = LatentMode.Sample;

    public void Validate()
    {
        if (!(GuidanceScale >= 0) || double.IsInfinity(GuidanceScale)) throw new UserError($"--guidance-scale {GuidanceScale}: must be a finite number >= 0");
        if (GradClip is double c && !(c > 0)) throw new UserError($"--grad-clip {c}: must be positive");
        if (Resolution is int r && (r < 8 || r % 8 != 0)) throw new UserError($"--sd-resolution {r}: must be a positive multiple of 8");
    }
}

/// <summary>
/// Score distillation with a Stable Diffusion checkpoint, as threestudio does it: renders [B,H,W,3] in [0,1] are
/// resized (bilinear) to the model's resolution, mapped to [-1,1] and encoded by the VAE (the gradient flows back
/// through the encoder), scaled by scaling_factor, noised at the trainer's t; the UNet runs without gradient on
/// [x_t, x_t] with [cond, uncond] text embeddings; the guided noise prediction gives
/// grad = w(t) (eps_hat - eps) and the loss 0.5 ||z - stopgrad(z - grad)||^2 / B.
/// </summary>
public sealed class StableDiffusionGuidance : IGuidance
{
    private static readonly string[] Views = { "front", "side", "back", "overhead" };

    private readonly StableDiffusionPipeline _pipe;
    private readonly Dictionary<string, Tensor> _condByView = new();
    private readonly Tensor _uncond;

    public StableDiffusionGuidanceOptions Options { get; }
    public string Name => "stable-diffusion";
    public NoiseSchedule Schedule => _pipe.Schedule;
    public int Resolution { get; }

    private readonly bool _ownsPipeline;

    /// <param name="pipeline">the loaded checkpoint (its device is where the guidance computes)</param>
    /// <param name="ownsPipeline">dispose the pipeline with the guidance (when nobody else uses it)</param>
    public StableDiffusionGuidance(StableDiffusionPipeline pipeline, StableDiffusionGuidanceOptions options, bool ownsPipeline = false)
    {
        _ownsPipeline = ownsPipeline;
        options.Validate();
        _pipe = pipeline;
        Options = options;
        Resolution = options.Resolution ?? pipeline.DefaultResolution;
        if (Resolution % pipeline.VaeScaleFactor != 0)
            throw new UserError($"--sd-resolution {Resolution}: must be a multiple of the VAE scale factor {pipeline.VaeScaleFactor}");
        _uncond = pipeline.EncodePrompt(options.NegativePrompt).DetachFromDisposeScope();
        if (options.ViewDependentPrompt)
            foreach (var v in Views) _condByView[v] = pipeline.EncodePrompt(PromptFor(v)).DetachFromDisposeScope();
        else
            _condByView[""] = pipeline.EncodePrompt(options.Prompt).DetachFromDisposeScope();
    }

    /// <summary>The text the model sees for a view ("" = the view-independent prompt).</summary>
    public string PromptFor(string view) => view == "" ? Options.Prompt : $"{Options.Prompt}, {view} view";

    public GuidanceResult Step(Tensor images, IReadOnlyList<Camera> cameras, int t, Generator noise)
    {
        if (images.ndim != 4 || images.shape[3] != 3) throw new ArgumentException($"images must be [B,H,W,3], got [{string.Join(",", images.shape)}]");
        if (cameras.Count != images.shape[0]) throw new ArgumentException($"{cameras.Count} cameras for {images.shape[0]} images");
        if (t < 0 || t >= Schedule.TrainTimesteps) throw new ArgumentOutOfRangeException(nameof(t), $"t = {t} outside [0, {Schedule.TrainTimesteps})");

        using var scope = torch.NewDisposeScope();
        var latents = EncodeImages(images, noise);
        double ab = Schedule.AlphaBar(t);
        var (noisy, eps) = ScoreDistillation.AddNoise(latents, ab, noise);

        var cond = torch.cat(cameras.Select(c => _condByView[Options.ViewDependentPrompt ? c.ViewName() : ""]).ToArray(), 0);
        var uncond = _uncond.expand(cameras.Count, _uncond.shape[1], _uncond.shape[2]);
        var epsHat = _pipe.GuidedNoise(noisy, t, cond, uncond, Options.GuidanceScale);

        double w = ScoreDistillation.Weight(Options.Weighting, ab);
        var grad = ScoreDistillation.Gradient(epsHat, eps, w, Options.GradClip);
        var loss = ScoreDistillation.Loss(latents, grad);
        double gradNorm = grad.norm().item<float>();
        var stats = new Dictionary<string, double> { ["t"] = t, ["w"] = w, ["latent_std"] = latents.detach().std().item<float>() };
        return new GuidanceResult(loss.MoveToOuterDisposeScope(), gradNorm, stats);
    }

    /// <summary>[B,H,W,3] in [0,1] to scaled latents [B,4,R/f,R/f] (float32), differentiable with respect to the images.</summary>
    public Tensor EncodeImages(Tensor images, Generator? generator)
    {
        using var scope = torch.NewDisposeScope();
        var bchw = images.to(_pipe.Device).permute(0, 3, 1, 2);
        if (bchw.shape[2] != Resolution || bchw.shape[3] != Resolution)
            bchw = nn.functional.interpolate(bchw, size: new long[] { Resolution, Resolution }, mode: InterpolationMode.Bilinear, align_corners: false);
        var x = (bchw * 2 - 1).to(_pipe.VaeDtype);
        var posterior = _pipe.Vae.Encode(x);
        var z = Options.LatentMode == LatentMode.Sample ? posterior.Sample(generator) : posterior.Mean;
        return (z.to(ScalarType.Float32) * _pipe.Vae.Config.ScalingFactor).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var e in _condByView.Values) e.Dispose();
        _uncond.Dispose();
        if (_ownsPipeline) _pipe.Dispose();
    }
}
