using DreamTime.Diffusion;
using DreamTime.Models.Diffusers;
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
/// [-1,1] is what gets noised.
/// </summary>
public sealed class StableDiffusionGuidance : ScoreDistillationGuidance
{
    private readonly StableDiffusionPipeline _pipe;
    private readonly Dictionary<string, Tensor> _embeddings = new();

    public StableDiffusionGuidanceOptions Options { get; }
    public override string Name => "stable-diffusion";
    public override NoiseSchedule Schedule => _pipe.Schedule;
    public override SdsOptions Sds => new(Options.Weighting, Options.GradClip);
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
        Resolution = options.ResolutionFor(pipeline.DefaultResolution, pipeline.VaeScaleFactor);
    }

    /// <summary>The text the model sees for a camera: the prompt, with ", front view" etc. when view-dependent.</summary>
    public string PromptFor(string prompt, Camera camera) => Options.ViewDependentPrompt ? $"{prompt}, {camera.ViewName()} view" : prompt;

    private Tensor Embedding(string text)
    {
        if (!_embeddings.TryGetValue(text, out var e))
            _embeddings[text] = e = _pipe.EncodePrompt(text).DetachFromDisposeScope();
        return e;
    }

    protected override Tensor Encode(GuidanceInput input) => EncodeImages(input.Render.Rgb, input.Noise);

    protected override Tensor PredictNoise(Tensor noisy, GuidanceInput input, double alphaBar, Dictionary<string, double> stats)
    {
        var cond = torch.cat(input.Cameras.Select(c => Embedding(PromptFor(input.Condition.Prompt, c))).ToArray(), 0);
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
        foreach (var e in _embeddings.Values) e.Dispose();
        _embeddings.Clear();
        if (_ownsPipeline) _pipe.Dispose();
    }
}
