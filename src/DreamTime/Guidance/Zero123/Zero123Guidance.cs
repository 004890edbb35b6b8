using DreamTime.Diffusion;
using DreamTime.Guidance.StableDiffusion;
using DreamTime.Models.Zero123;
using DreamTime.Rendering;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Guidance.Zero123;

/// <summary>
/// Score distillation from a Zero-1-to-3 checkpoint (threestudio's zero123 guidance): the input picture is encoded
/// once (CLIP image embedding, VAE latents); every step, each training camera's change from the input camera
/// (elevation, azimuth, distance) is the pose, and the noise prediction is guided exactly as the reference
/// pipeline guides it (<see cref="Zero123Pipeline.PredictNoiseGuided"/>). Renders are encoded by the VAE as in
/// Stable Diffusion SDS.
/// </summary>
public sealed class Zero123Guidance : ScoreDistillationGuidance
{
    public override string Name => "zero123";
    public override NoiseSchedule Schedule => _pipe.Schedule;
    public override SdsOptions Sds => new(Options.Weighting, Options.GradClip);
    public StableDiffusionGuidanceOptions Options { get; }
    /// <summary>Side of the square image the VAE encodes (the model's own resolution by default).</summary>
    public int Resolution { get; }
    public Camera InputCamera { get; }

    private readonly Zero123Pipeline _pipe;
    private readonly Zero123Condition _condition;
    private readonly bool _ownsPipeline;

    /// <param name="picture">the input picture [H, W, 3] in [0, 1], already framed; encoded at <see cref="Resolution"/></param>
    public Zero123Guidance(Zero123Pipeline pipeline, StableDiffusionGuidanceOptions options, Tensor picture, Camera inputCamera,
        bool ownsPipeline = false)
    {
        options.Validate();
        _pipe = pipeline;
        Options = options;
        InputCamera = inputCamera;
        Resolution = options.ResolutionFor(pipeline.DefaultResolution, pipeline.VaeScaleFactor);
        using (var chw = picture.permute(2, 0, 1))
            _condition = pipeline.EncodeCondition(chw, Resolution, Resolution);
        _ownsPipeline = ownsPipeline;
    }

    /// <summary>Each camera relative to the input camera, as Zero-1-to-3 takes
    /// it: [B, 3] (polar change, azimuth change, distance change).</summary>
    public Tensor PosesFor(IReadOnlyList<Camera> cameras) => Zero123Pose.ToTensor(cameras.Select(c =>
        Zero123Pose.FromCameraChange(c.ElevationDeg - InputCamera.ElevationDeg, c.AzimuthDeg - InputCamera.AzimuthDeg,
            c.Distance - InputCamera.Distance)).ToList());

    protected override Tensor Encode(GuidanceInput input)
    {
        using var scope = torch.NewDisposeScope();
        var bchw = input.Render.Rgb.to(_pipe.Device).permute(0, 3, 1, 2);
        if (bchw.shape[2] != Resolution || bchw.shape[3] != Resolution)
            bchw = nn.functional.interpolate(bchw, size: new long[] { Resolution, Resolution }, mode: InterpolationMode.Bilinear,
                align_corners: false);
        var posterior = _pipe.Vae.Encode(bchw.Times(2).Minus(1).to(_pipe.VaeDtype));
        var z = Options.LatentMode == LatentMode.Sample ? posterior.Sample(input.Noise) : posterior.Mean;
        return z.to(ScalarType.Float32).Times(_pipe.Vae.Config.ScalingFactor).MoveToOuterDisposeScope();
    }

    protected override Tensor PredictNoise(Tensor noisy, GuidanceInput input, double alphaBar, Dictionary<string, double> stats)
    {
        using var poses = PosesFor(input.Cameras);
        stats["delta_azimuth"] = input.Cameras.Average(c => c.AzimuthDeg - InputCamera.AzimuthDeg);
        return _pipe.PredictNoiseGuided(noisy, input.T, _condition, poses, Options.GuidanceScale);
    }

    public override void Dispose()
    {
        _condition.Dispose();
        if (_ownsPipeline) _pipe.Dispose();
    }
}
