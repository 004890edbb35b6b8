using DreamTime.Diffusion;
using DreamTime.Guidance.Vsd;
using DreamTime.Models.Diffusers;
using DreamTime.Optimization;
using DreamTime.Rendering;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Guidance.StableDiffusion;

/// <summary>
/// Score distillation with a Stable Diffusion checkpoint, as threestudio does it: renders [B,H,W,3] in [0,1] are
/// resized (bilinear) to the model's resolution, mapped to [-1,1] and encoded by the VAE (the gradient flows back
/// through the encoder), scaled by scaling_factor, noised at the trainer's t; the UNet runs without gradient on
/// [x_t, x_t] with [cond, uncond] text embeddings. Prompt embeddings are encoded once per distinct text. A
/// pixel-space pipeline skips the encoder (as DeepFloyd IF's first stage in threestudio): the resized render in
/// [-1,1] is what gets noised. In the normal modality the render's colours are its normal image; for the stage's
/// first <see cref="StableDiffusionGuidanceOptions.NormalLatentSteps"/> steps the latents are that image and the
/// opacity themselves (Fantasia3D's geometry stage: rgb_as_latents), after them the VAE encodes the normal image.
/// </summary>
public sealed class StableDiffusionGuidance : ScoreDistillationGuidance
{
    private readonly StableDiffusionPipeline _pipe;
    private readonly Dictionary<string, Tensor> _embeddings = new();

    private readonly LoraScore? _variational;

    public StableDiffusionGuidanceOptions Options { get; }
    public override string Name => _variational is null ? "stable-diffusion" : "vsd";
    protected override string LossName => _variational is null ? "sds" : "vsd";
    public override NoiseSchedule Schedule => _pipe.Schedule;
    public override SdsOptions Sds => new(Options.Weighting, Options.GradClip);
    public int Resolution { get; }

    private readonly bool _ownsPipeline;
    private int _step;

    /// <summary>Channels of the normal-latent image: the normal image's three and the opacity.</summary>
    public const int NormalLatentChannels = 4;

    /// <param name="pipeline">the loaded checkpoint (its device is where the guidance computes)</param>
    /// <param name="ownsPipeline">dispose the pipeline with the guidance (when nobody else uses it)</param>
    /// <param name="vsd">
    /// null for score distillation; else variational score distillation (ProlificDreamer): a LoRA copy of the model,
    /// conditioned on the camera and trained on the renders alongside them, is the baseline the guided prediction
    /// is compared with
    /// </param>
    public StableDiffusionGuidance(StableDiffusionPipeline pipeline, StableDiffusionGuidanceOptions options, bool ownsPipeline = false,
        VsdOptions? vsd = null)
    {
        _ownsPipeline = ownsPipeline;
        options.Validate();
        _pipe = pipeline;
        Options = options;
        Resolution = options.ResolutionFor(pipeline.DefaultResolution, pipeline.VaeScaleFactor);
        if (options.Input == ImageModality.Normal && options.NormalLatentSteps > 0
            && (pipeline.IsPixelSpace || pipeline.LatentChannels != NormalLatentChannels))
            throw new UserError("normal_latent_steps",
                $"is {options.NormalLatentSteps}; the model denoises " +
                (pipeline.IsPixelSpace ? "pixels" : $"{pipeline.LatentChannels}-channel latents") +
                $", which a normal image and its opacity ({NormalLatentChannels} channels) cannot stand in for; use 0");
        if (vsd is not null) _variational = new LoraScore(pipeline, vsd);
    }

    public override IReadOnlyList<ParameterGroup> TrainableGroups => _variational is null ? [] : [_variational.Group];

    /// <summary>The text embeddings [B, tokens, hidden] of each camera's prompt.</summary>
    private Tensor Conditional(GuidanceInput input) =>
        torch.cat(input.Cameras.Select(c => Embedding(PromptFor(input.Condition.Prompt, c))).ToArray(), 0);

    protected override Tensor Baseline(Tensor noisy, Tensor noise, GuidanceInput input)
    {
        if (_variational is null) return noise;
        using var scope = torch.NewDisposeScope();
        var cameras = _variational.CameraMatrices(input.Cameras);
        return _variational.NoiseEstimate(noisy, input.T, Conditional(input), cameras).MoveToOuterDisposeScope();
    }

    protected override IEnumerable<(string Name, Tensor Loss)> OwnTerms(Tensor x, GuidanceInput input)
    {
        if (_variational is null) yield break;
        using var scope = torch.NewDisposeScope();
        var loss = _variational.TrainingLoss(x, Conditional(input), _variational.CameraMatrices(input.Cameras), input.Noise);
        yield return ("lora", loss.MoveToOuterDisposeScope());
    }

    /// <summary>Side of the latents: the VAE's input resolution over its scale factor (64 for Stable Diffusion at 512).</summary>
    public int LatentSize => Resolution / _pipe.VaeScaleFactor;

    /// <summary>Whether the current step feeds the normal image and the opacity as latents (no VAE).</summary>
    public bool NormalAsLatents =>
        Options.Input == ImageModality.Normal && Options.NormalLatentSteps > 0 && _step <= Options.NormalLatentSteps;

    public override void UpdateStep(int step) => _step = step;

    /// <summary>The text the model sees for a camera: the prompt, with ", front view" etc. when view-dependent.</summary>
    public string PromptFor(string prompt, Camera camera) => Options.ViewDependentPrompt ? $"{prompt}, {camera.ViewName()} view" : prompt;

    private Tensor Embedding(string text)
    {
        if (!_embeddings.TryGetValue(text, out var e))
            _embeddings[text] = e = _pipe.EncodePrompt(text).DetachFromDisposeScope();
        return e;
    }

    protected override Tensor Encode(GuidanceInput input) =>
        NormalAsLatents ? NormalLatents(input.Render.Rgb, input.Render.Opacity) : EncodeImages(input.Render.Rgb, input.Noise);

    /// <summary>
    /// Normal images [B,H,W,3] in [0,1] and opacity [B,H,W,1] as latents [B,4,L,L] (L = <see cref="LatentSize"/>):
    /// 2 image - 1 and the opacity, resized bilinearly as threestudio resizes rgb_as_latents; differentiable with
    /// respect to both, with no VAE in between.
    /// </summary>
    public Tensor NormalLatents(Tensor normalImages, Tensor opacity)
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.cat(new[] { normalImages.Times(2).Minus(1), opacity.to(normalImages.dtype) }, -1)
            .to(_pipe.Device).permute(0, 3, 1, 2);
        if (x.shape[2] != LatentSize || x.shape[3] != LatentSize)
            x = nn.functional.interpolate(x, size: new long[] { LatentSize, LatentSize }, mode: InterpolationMode.Bilinear,
                align_corners: false);
        return x.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    protected override Tensor PredictNoise(Tensor noisy, GuidanceInput input, double alphaBar, Dictionary<string, double> stats)
    {
        var cond = Conditional(input);
        var negative = Embedding(input.Condition.NegativePrompt);
        var uncond = negative.expand(input.Cameras.Count, negative.shape[1], negative.shape[2]);
        return _pipe.GuidedNoise(noisy, input.T, cond, uncond, Options.GuidanceScale);
    }

    /// <summary>
    /// [B,H,W,3] in [0,1] to scaled latents [B,4,R/f,R/f] (float32), or in pixel space to images [B,3,R,R] in
    /// [-1,1]; differentiable with respect to the images.
    /// </summary>
    public Tensor EncodeImages(Tensor images, Generator? generator)
    {
        using var scope = torch.NewDisposeScope();
        var bchw = images.to(_pipe.Device).permute(0, 3, 1, 2);
        if (bchw.shape[2] != Resolution || bchw.shape[3] != Resolution)
            bchw = nn.functional.interpolate(bchw, size: new long[] { Resolution, Resolution }, mode: InterpolationMode.Bilinear,
                align_corners: false);
        if (_pipe.IsPixelSpace) return bchw.Times(2).Minus(1).to(ScalarType.Float32).MoveToOuterDisposeScope();
        var x = bchw.Times(2).Minus(1).to(_pipe.VaeDtype);
        var posterior = _pipe.Vae.Encode(x);
        var z = Options.LatentMode == LatentMode.Sample ? posterior.Sample(generator) : posterior.Mean;
        return z.to(ScalarType.Float32).Times(_pipe.Vae.Config.ScalingFactor).MoveToOuterDisposeScope();
    }

    public override void Dispose()
    {
        _variational?.Dispose();
        foreach (var e in _embeddings.Values) e.Dispose();
        _embeddings.Clear();
        if (_ownsPipeline) _pipe.Dispose();
    }
}
