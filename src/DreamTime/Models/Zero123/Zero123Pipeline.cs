using System.Text.Json.Nodes;
using DreamTime.Diffusion;
using DreamTime.Models.Clip;
using DreamTime.Models.Diffusers;
using DreamTime.Models.Unet;
using DreamTime.Models.Vae;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Models.Zero123;

/// <summary>
/// A Zero-1-to-3 checkpoint in the diffusers community layout (Zero1to3StableDiffusionPipeline): CLIP image
/// encoder, cc_projection, an 8-channel UNet (noisy latents stacked with the conditioning image's latents), VAE
/// and scheduler, on one device. As <see cref="StableDiffusionPipeline"/>: fp16 weights compute in fp16 on CUDA
/// and in float32 on the CPU, and a VAE whose config says force_upcast runs in float32.
/// </summary>
public sealed class Zero123Pipeline : IDisposable
{
    private static readonly string[] Components = { "image_encoder", "cc_projection", "unet", "vae", "scheduler" };

    public string Folder { get; }
    public Device Device { get; }
    /// <summary>dtype of the image encoder, cc_projection and UNet.</summary>
    public ScalarType Dtype { get; }
    public ScalarType VaeDtype { get; }
    public ClipVisionModelWithProjection ImageEncoder { get; }
    public CCProjection CcProjection { get; }
    public UNet2DConditionModel Unet { get; }
    public AutoencoderKL Vae { get; }
    public SchedulerConfig SchedulerConfig { get; }
    public NoiseSchedule Schedule { get; }

    public int VaeScaleFactor => Vae.Config.ScaleFactor;
    public int LatentChannels => Vae.Config.LatentChannels;
    /// <summary>The image size the UNet was configured for: sample_size times the VAE scale factor.</summary>
    public int DefaultResolution => Unet.Config.SampleSize * VaeScaleFactor;

    private Zero123Pipeline(string folder, Device device, ScalarType dtype, ScalarType vaeDtype, ClipVisionModelWithProjection encoder,
        CCProjection cc, UNet2DConditionModel unet, AutoencoderKL vae, SchedulerConfig scheduler)
    {
        Folder = folder;
        Device = device;
        Dtype = dtype;
        VaeDtype = vaeDtype;
        ImageEncoder = encoder;
        CcProjection = cc;
        Unet = unet;
        Vae = vae;
        SchedulerConfig = scheduler;
        Schedule = NoiseSchedule.From(scheduler);
    }

    /// <param name="folder">the checkpoint folder (with model_index.json)</param>
    /// <param name="device">where every tensor lives (the CPU when null)</param>
    /// <param name="preferFp16Variant">read "*.fp16.safetensors" weight files where a component has them</param>
    public static Zero123Pipeline Load(string folder, Device? device = null, bool preferFp16Variant = false)
    {
        TorchRuntime.ConfigureAllocator();
        device ??= torch.CPU;
        var index = DiffusersFolder.Open(folder);
        RequireListed(index);

        var encoderConfig = ClipVisionConfig.From(index.ComponentConfig("image_encoder", "config.json", "CLIPVisionModelWithProjection"));
        var ccConfig = CCProjectionConfig.From(index.ComponentConfig("cc_projection", "config.json", "CCProjection"));
        var unetJson = index.ComponentConfig("unet", "config.json", "UNet2DConditionModel");
        var unetConfig = UNetConfig.From(unetJson);
        var vaeConfig = AutoencoderKLConfig.From(index.ComponentConfig("vae", "config.json", "AutoencoderKL"));
        var schedulerConfig = SchedulerConfig.From(index.ComponentConfig("scheduler", "scheduler_config.json", null));
        CheckShapesAgree(index, unetJson.Path, unetConfig, vaeConfig, encoderConfig, ccConfig);

        var encoderWeights = ComponentWeights.Open(index.ComponentFolder("image_encoder"), "image_encoder", preferFp16Variant);
        var ccWeights = ComponentWeights.Open(index.ComponentFolder("cc_projection"), "cc_projection", preferFp16Variant);
        var unetWeights = ComponentWeights.Open(index.ComponentFolder("unet"), "unet", preferFp16Variant);
        var vaeWeights = ComponentWeights.Open(index.ComponentFolder("vae"), "vae", preferFp16Variant);

        var dtype = unetWeights.ComputeType(device);
        var vaeDtype = vaeConfig.ForceUpcast ? ScalarType.Float32 : vaeWeights.ComputeType(device);

        var encoder = new ClipVisionModelWithProjection(encoderConfig);
        var cc = new CCProjection(ccConfig);
        var unet = new UNet2DConditionModel(unetConfig);
        var vae = new AutoencoderKL(vaeConfig);
        try
        {
            encoderWeights.LoadInto(encoder, ClipVisionModelWithProjection.CheckpointKey);
            ccWeights.LoadInto(cc, k => k);
            unetWeights.LoadInto(unet, k => k);
            vaeWeights.LoadInto(vae, StableDiffusionPipeline.VaeKey);
        }
        catch
        {
            foreach (var m in new nn.Module[] { encoder, cc, unet, vae }) m.Dispose();
            throw;
        }

        foreach (var m in new nn.Module[] { encoder, cc, unet, vae })
        {
            m.eval();
            foreach (var p in m.parameters()) p.requires_grad = false;
        }
        encoder.to(device).to(dtype);
        cc.to(device).to(dtype);
        unet.to(device).to(dtype);
        vae.to(device).to(vaeDtype);
        return new Zero123Pipeline(Path.GetFullPath(folder), device, dtype, vaeDtype, encoder, cc, unet, vae, schedulerConfig);
    }

    /// <summary>
    /// A text-to-image folder (no image_encoder or cc_projection) is named as such before anything else is read,
    /// rather than failing later on whichever of its files happens to be checked first.
    /// </summary>
    private static void RequireListed(DiffusersFolder index)
    {
        var indexPath = Path.Combine(index.Folder, "model_index.json");
        var kind = index.Index["_class_name"] is JsonValue v && v.TryGetValue<string>(out var name) ? $" (a {name})" : "";
        foreach (var component in Components)
        {
            bool listed = index.Index.TryGetPropertyValue(component, out var entry) && entry is JsonArray { Count: 2 } arr
                && arr[1] != null;
            if (listed) continue;
            if (component is "image_encoder" or "cc_projection")
                throw new UserError($"{index.Folder}: not a Zero-1-to-3 checkpoint{kind}: model_index.json lists no {component}");
            throw new UserError($"{indexPath}: component '{component}' is missing; a Zero-1-to-3 checkpoint " +
                $"needs {string.Join(", ", Components)}");
        }
    }

    private static void CheckShapesAgree(DiffusersFolder index, string unetPath, UNetConfig unet, AutoencoderKLConfig vae,
        ClipVisionConfig encoder, CCProjectionConfig cc)
    {
        int latent = vae.LatentChannels;
        if (unet.InChannels != 2 * latent)
            throw new UserError($"{unetPath}: in_channels {unet.InChannels}, but a Zero-1-to-3 UNet takes the noisy latents stacked with " +
                $"the conditioning image's latents (2 x {latent} = {2 * latent}); not a Zero-1-to-3 checkpoint");
        if (unet.OutChannels != latent)
            throw new UserError($"{unetPath}: out_channels {unet.OutChannels}, but the VAE has {latent} latent channels");
        var ccPath = Path.Combine(index.Folder, "cc_projection", "config.json");
        if (cc.InChannel != encoder.ProjectionDim + Zero123Pose.FeatureCount)
            throw new UserError($"{ccPath}: in_channel {cc.InChannel}, but the image embedding ({encoder.ProjectionDim}, " +
                $"image_encoder projection_dim) plus {Zero123Pose.FeatureCount} pose features " +
                $"is {encoder.ProjectionDim + Zero123Pose.FeatureCount}");
        if (unet.CrossAttentionDim.Any(d => d != cc.OutChannel))
            throw new UserError($"{ccPath}: out_channel {cc.OutChannel}, but the UNet's cross_attention_dim " +
                $"is {string.Join(",", unet.CrossAttentionDim.Distinct())}");
    }

    /// <summary>
    /// The condition from inputs already prepared as the reference pipeline prepares them: CLIP pixel values
    /// [1, 3, S, S] (normalised) and the image for the VAE [1, 3, H, W] in [-1, 1].
    /// </summary>
    public Zero123Condition EncodeCondition(Tensor clipPixelValues, Tensor vaeImage)
    {
        if (clipPixelValues.ndim != 4 || clipPixelValues.shape[0] != 1 || vaeImage.ndim != 4 || vaeImage.shape[0] != 1)
            throw new ArgumentException("one conditioning image: expected [1,3,S,S] pixel values and a [1,3,H,W] image, " +
                $"got [{string.Join(",", clipPixelValues.shape)}] and [{string.Join(",", vaeImage.shape)}]");
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var embeds = ImageEncoder.Forward(clipPixelValues.to(Device).to(Dtype)).ImageEmbeds.unsqueeze(1).to(ScalarType.Float32);
        // the posterior's mode, not a sample: the condition must not change from one step to the next
        var latents = Vae.Encode(vaeImage.to(Device).to(VaeDtype)).Mean.to(ScalarType.Float32);
        return new Zero123Condition(embeds.MoveToOuterDisposeScope(), latents.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The condition of an RGB image [3, H, W] (or [1, 3, H, W]) in [0, 1]: CLIP preprocessing for the encoder, and
    /// for the VAE the image resized (bilinear, antialiased when shrinking) to the generation size and mapped to
    /// [-1, 1]. The image is not cropped for the VAE: Zero-1-to-3 expects a square, object-centred input.
    /// </summary>
    /// <param name="height">the size of the images to be generated (the default
    /// resolution when null); a multiple of the VAE scale factor</param>
    public Zero123Condition EncodeCondition(Tensor image, int? height = null, int? width = null)
    {
        int h = height ?? DefaultResolution, w = width ?? DefaultResolution;
        if (h <= 0 || w <= 0 || h % VaeScaleFactor != 0 || w % VaeScaleFactor != 0)
            throw new UserError($"conditioning image size {h}x{w}: must be positive multiples of the VAE scale factor {VaeScaleFactor}");
        using var scope = torch.NewDisposeScope();
        var pixels = ClipImagePreprocessor.Preprocess(image, ImageEncoder.Config.ImageSize);
        var bchw = (image.ndim == 3 ? image.unsqueeze(0) : image).to(ScalarType.Float32);
        if (bchw.shape[2] != h || bchw.shape[3] != w)
            bchw = nn.functional.interpolate(bchw, size: new long[] { h, w }, mode: InterpolationMode.Bilinear, align_corners: false,
                antialias: true);
        var cond = EncodeCondition(pixels, bchw.clamp(Scalars.Of(0), Scalars.Of(1)).Times(2).Minus(1));
        cond.ImageEmbeds.MoveToOuterDisposeScope();
        cond.ImageLatents.MoveToOuterDisposeScope();
        return cond;
    }

    /// <summary>
    /// The UNet's context for each pose: cc_projection([image embedding, pose features]), [P, 1, embedding] float32.
    /// </summary>
    /// <param name="poses">[P, 3]: d_polar (degrees), d_azimuth (degrees), d_radius, see <see cref="Zero123Pose"/></param>
    public Tensor PromptEmbeds(Zero123Condition cond, Tensor poses)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var features = Zero123Pose.Features(poses).to(Device).unsqueeze(1);
        var embeds = cond.ImageEmbeds.to(Device).expand(features.shape[0], 1, cond.ImageEmbeds.shape[2]);
        return CcProjection.Forward(torch.cat(new[] { embeds, features }, 2).to(Dtype)).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Classifier-free-guided noise prediction as the community Zero1to3 pipeline assembles it: one UNet call on
    /// the batch [uncond, cond], where the unconditional half gets a zero context and zero image latents, and the
    /// UNet input is x_t stacked with the image latents on channels; then u + scale (c - u), converted to a noise
    /// prediction if the scheduler's prediction_type is not epsilon. No gradient; float32 on the pipeline's device.
    /// </summary>
    /// <param name="latents">x_t [B, latent_channels, h, w] (scaled latents, as
    /// the UNet denoises them); h, w those of the condition's latents</param>
    /// <param name="t">the timestep</param>
    /// <param name="cond">the encoded input image, from <see cref="EncodeCondition(Tensor, Tensor)"/></param>
    /// <param name="poses">[B, 3] or [1, 3] (shared): the target camera relative to the input view, see <see cref="Zero123Pose"/></param>
    /// <param name="guidanceScale">the classifier-free guidance scale (1 = the conditional prediction alone)</param>
    public Tensor PredictNoiseGuided(Tensor latents, long t, Zero123Condition cond, Tensor poses, double guidanceScale)
    {
        long b = latents.shape[0];
        if (latents.ndim != 4 || latents.shape[1] != LatentChannels || latents.shape[2] != cond.ImageLatents.shape[2]
            || latents.shape[3] != cond.ImageLatents.shape[3])
            throw new ArgumentException($"latents [{string.Join(",", latents.shape)}] do not match the condition's image latents " +
                $"[{string.Join(",", cond.ImageLatents.shape)}] ([B,{LatentChannels},h,w] with the same h, w)");
        if (poses.ndim != 2 || (poses.shape[0] != b && poses.shape[0] != 1))
            throw new ArgumentException($"poses [{string.Join(",", poses.shape)}]: expected [{b},3] or [1,3]");
        if (t < 0 || t >= Schedule.TrainTimesteps)
            throw new ArgumentOutOfRangeException(nameof(t), t, $"must be in [0, {Schedule.TrainTimesteps})");

        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var x = latents.to(Device).to(ScalarType.Float32);
        var prompt = PromptEmbeds(cond, poses).expand(b, 1, -1);
        var image = cond.ImageLatents.to(Device).expand(b, -1, -1, -1);
        var context = torch.cat(new[] { torch.zeros_like(prompt), prompt }, 0);
        var imageLatents = torch.cat(new[] { torch.zeros_like(image), image }, 0);
        var input = torch.cat(new[] { torch.cat(new[] { x, x }, 0), imageLatents }, 1);
        var output = Unet.Forward(input.to(Dtype), t, context.to(Dtype)).to(ScalarType.Float32);
        var halves = output.chunk(2, 0);
        var guided = halves[0].Plus((halves[1] - halves[0]).Times(guidanceScale));
        // converting after guiding equals guiding converted branches: the conversion is affine with shared coefficients
        return ModelPrediction.ToEpsilon(SchedulerConfig.PredictionType, guided, x, Schedule.AlphasCumprod[t]).MoveToOuterDisposeScope();
    }

    /// <summary>A novel view to sample: the target camera, DDIM steps, guidance
    /// scale, and the starting noise (a seed, or given latents).</summary>
    public sealed record ViewRequest(Zero123Pose Pose, int Steps = 50, double GuidanceScale = 3.0, long Seed = 0,
        Tensor? InitialLatents = null)
    {
        /// <summary>The checks that need no model, so a bad option fails before a checkpoint loads.</summary>
        public void Validate()
        {
            if (Steps < 1) throw new UserError("steps", $"is {Steps}; must be at least 1");
            if (!double.IsFinite(GuidanceScale)) throw new UserError("guidance_scale", $"is {GuidanceScale}; must be a finite number");
            if (!double.IsFinite(Pose.PolarDeg) || !double.IsFinite(Pose.AzimuthDeg) || !double.IsFinite(Pose.Radius))
                throw new UserError($"pose ({Pose.PolarDeg}, {Pose.AzimuthDeg}, {Pose.Radius}): angles and radius must be finite numbers");
        }
    }

    /// <summary>The shape [1, C, h, w] of the latents a view is sampled in: those of the condition's image latents.</summary>
    public long[] LatentShape(Zero123Condition cond) => new[] { 1, LatentChannels, cond.ImageLatents.shape[2], cond.ImageLatents.shape[3] };

    /// <summary>
    /// DDIM (eta 0) from <paramref name="initialLatents"/> to the view at <paramref name="pose"/>, every step's noise
    /// from <see cref="PredictNoiseGuided"/> (both branches at every scale, also at 1, where the community pipeline
    /// skips the unconditional one); returns the final latents (float32).
    /// </summary>
    /// <param name="progress">called after each step with (step index from 1, step count, timestep)</param>
    public Tensor SampleLatents(Zero123Condition cond, Zero123Pose pose, Tensor initialLatents, int steps, double guidanceScale,
        Action<int, int, int>? progress = null)
    {
        // PredictNoiseGuided has already turned the model's output into noise, so the scheduler must read it as noise
        var scheduler = new DdimScheduler(SchedulerConfig with { PredictionType = ModelPrediction.Epsilon });
        var timesteps = scheduler.SetTimesteps(steps);
        using var poses = Zero123Pose.ToTensor(new[] { pose });
        var latents = initialLatents.to(Device).to(ScalarType.Float32).Times(scheduler.InitNoiseSigma).DetachFromDisposeScope();
        for (int i = 0; i < timesteps.Length; i++)
        {
            using var scope = torch.NewDisposeScope();
            var eps = PredictNoiseGuided(latents, timesteps[i], cond, poses, guidanceScale);
            int step = i, t = timesteps[i];
            NonFiniteOutputException.ThrowIfNotFinite(eps, () =>
                $"the Zero-1-to-3 UNet's noise prediction at step {step + 1} of {timesteps.Length} (t={t})");
            var next = scheduler.Step(eps, timesteps[i], latents).MoveToOuterDisposeScope();
            latents.Dispose();
            latents = next;
            progress?.Invoke(i + 1, timesteps.Length, timesteps[i]);
        }
        return latents;
    }

    /// <summary>Latents as the UNet denoises them to images [B, H, W, 3] in [0, 1] (float32), as the community pipeline decodes.</summary>
    public Tensor DecodeToImages(Tensor latents)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var images = Vae.Decode(latents.to(Device).to(VaeDtype).DividedBy(Vae.Config.ScalingFactor)).to(ScalarType.Float32);
        NonFiniteOutputException.ThrowIfNotFinite(images, () => "the VAE's decoded image");
        return images.DividedBy(2).Plus(0.5).clamp(Scalars.Of(0), Scalars.Of(1)).permute(0, 2, 3, 1).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The novel view of the encoded input image: seeded (CPU generator) or given starting noise, <see cref="SampleLatents"/>,
    /// VAE decode; the image [1, H, W, 3] in [0, 1] on the CPU, H and W those of the condition.
    /// </summary>
    public Tensor SampleView(Zero123Condition cond, ViewRequest r, Action<int, int, int>? progress = null)
    {
        r.Validate();
        var shape = LatentShape(cond);
        if (r.InitialLatents is { } given && !given.shape.SequenceEqual(shape))
            throw new UserError($"initial latents have shape [{string.Join(",", given.shape)}] but the condition needs " +
                $"[{string.Join(",", shape)}]");
        using var scope = torch.NewDisposeScope();
        var noise = r.InitialLatents?.to(ScalarType.Float32) ?? torch.randn(shape, generator: new Generator((ulong)r.Seed));
        var final = SampleLatents(cond, r.Pose, noise, r.Steps, r.GuidanceScale, progress);
        return DecodeToImages(final).cpu().MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        ImageEncoder.Dispose();
        CcProjection.Dispose();
        Unet.Dispose();
        Vae.Dispose();
    }
}
