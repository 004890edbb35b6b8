using System.Diagnostics.CodeAnalysis;
using DreamTime.Diffusion;
using DreamTime.Models.Clip;
using DreamTime.Models.Lora;
using DreamTime.Models.Unet;
using DreamTime.Models.Vae;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Models.Diffusers;

/// <summary>
/// A Stable Diffusion 1.x/2.x checkpoint in the diffusers folder layout, loaded once: text encoder, UNet, VAE and
/// the scheduler's noise table, all on one device. fp16 weights compute in fp16 on CUDA and in float32 on the
/// CPU; a VAE whose config says force_upcast runs in float32 (as diffusers does). A folder whose model_index.json
/// lists no vae (and that has no vae/) is pixel-space: the UNet denoises RGB images in [-1, 1] directly.
/// </summary>
public sealed class StableDiffusionPipeline : IDisposable
{
    public string Folder { get; }
    public Device Device { get; }
    /// <summary>dtype of the text encoder and UNet.</summary>
    public ScalarType Dtype { get; }
    /// <summary>dtype of the VAE (the UNet's when there is none).</summary>
    public ScalarType VaeDtype { get; }
    public ClipTextModel TextEncoder { get; }
    public UNet2DConditionModel Unet { get; }
    /// <summary>The latent-space autoencoder; null for a pixel-space pipeline.</summary>
    public AutoencoderKL? Vae { get; }
    public SchedulerConfig SchedulerConfig { get; }
    public NoiseSchedule Schedule { get; }

    /// <summary>The checkpoint's tokenizer (tokenizer/), or null when the folder has none.</summary>
    public ClipTokenizer? Tokenizer { get; }

    /// <summary>No VAE: the UNet's samples are the images, mapped from [0, 1] to [-1, 1].</summary>
    [MemberNotNullWhen(false, nameof(Vae))]
    public bool IsPixelSpace => Vae == null;

    /// <summary>Image pixels per latent pixel (1 in pixel space).</summary>
    public int VaeScaleFactor => Vae?.Config.ScaleFactor ?? 1;
    /// <summary>The image size the UNet was configured for: sample_size times the VAE scale factor.</summary>
    public int DefaultResolution => Unet.Config.SampleSize * VaeScaleFactor;
    public int LatentChannels => Unet.Config.InChannels;

    private StableDiffusionPipeline(string folder, Device device, ScalarType dtype, ScalarType vaeDtype, ClipTokenizer? tokenizer,
        ClipTextModel text, UNet2DConditionModel unet, AutoencoderKL? vae, SchedulerConfig scheduler)
    {
        Tokenizer = tokenizer;
        Folder = folder;
        Device = device;
        Dtype = dtype;
        VaeDtype = vaeDtype;
        TextEncoder = text;
        Unet = unet;
        Vae = vae;
        SchedulerConfig = scheduler;
        Schedule = NoiseSchedule.From(scheduler);
        // A pixel-space UNet is small and narrow (3-channel input and output, 8-32 channels per level): oneDNN's
        // convolutions returned non-finite outputs at random for such models on AMD Zen 5 (14 of 22 test samples of
        // an (8, 16) model), in forward passes as well as backward. libtorch's own kernels are used for its lifetime.
        _cpuKernels = vae == null && device.type == DeviceType.CPU ? TorchRuntime.WithoutOneDnnConvolutions() : null;
    }

    private readonly IDisposable? _cpuKernels;

    /// <param name="folder">the checkpoint folder (with model_index.json)</param>
    /// <param name="device">where every tensor lives</param>
    /// <param name="preferFp16Variant">read "*.fp16.safetensors" weight files where a component has them</param>
    public static StableDiffusionPipeline Load(string folder, Device? device = null, bool preferFp16Variant = false)
    {
        TorchRuntime.ConfigureAllocator();
        device ??= torch.CPU;
        var index = DiffusersFolder.Open(folder);
        var schedulerConfig = SchedulerConfig.From(index.ComponentConfig("scheduler", "scheduler_config.json", null));

        var textConfig = ClipTextConfig.From(index.ComponentConfig("text_encoder", "config.json", "CLIPTextModel"));
        var unetJson = index.ComponentConfig("unet", "config.json", "UNet2DConditionModel");
        var unetConfig = UNetConfig.From(unetJson);
        bool pixelSpace = index.IsPixelSpace();
        if (pixelSpace && (unetConfig.InChannels != 3 || unetConfig.OutChannels != 3))
            throw new UserError($"{unetJson.Path}: in_channels {unetConfig.InChannels} and out_channels {unetConfig.OutChannels}, " +
                "but without a VAE the UNet denoises RGB images and needs 3 and 3 (model_index.json lists no vae)");
        var vaeConfig = pixelSpace ? null : AutoencoderKLConfig.From(index.ComponentConfig("vae", "config.json", "AutoencoderKL"));

        var textWeights = ComponentWeights.Open(index.ComponentFolder("text_encoder"), "text_encoder", preferFp16Variant);
        var unetWeights = ComponentWeights.Open(index.ComponentFolder("unet"), "unet", preferFp16Variant);
        var vaeWeights = pixelSpace ? null : ComponentWeights.Open(index.ComponentFolder("vae"), "vae", preferFp16Variant);
        var tokenizerDir = Path.Combine(folder, "tokenizer");
        var tokenizer = Directory.Exists(tokenizerDir) ? ClipTokenizer.FromFolder(tokenizerDir) : null;

        var dtype = unetWeights.ComputeType(device);
        var vaeDtype = vaeConfig == null ? dtype : vaeConfig.ForceUpcast ? ScalarType.Float32 : vaeWeights!.ComputeType(device);

        var text = new ClipTextModel(textConfig);
        textWeights.LoadInto(text, ClipKey);
        var unet = new UNet2DConditionModel(unetConfig);
        unetWeights.LoadInto(unet, k => k);
        AutoencoderKL? vae = null;
        if (vaeConfig != null)
        {
            vae = new AutoencoderKL(vaeConfig);
            vaeWeights!.LoadInto(vae, VaeKey);
        }

        foreach (var m in new nn.Module?[] { text, unet, vae }.OfType<nn.Module>())
        {
            m.eval();
            foreach (var p in m.parameters()) p.requires_grad = false;
        }
        text.to(device).to(dtype);
        unet.to(device).to(dtype);
        vae?.to(device).to(vaeDtype);
        return new StableDiffusionPipeline(Path.GetFullPath(folder), device, dtype, vaeDtype, tokenizer, text, unet, vae, schedulerConfig);
    }

    /// <summary>transformers checkpoints prefix the text model's keys with "text_model." and may store the position-id buffer.</summary>
    internal static string? ClipKey(string key)
    {
        var k = key.StartsWith("text_model.", StringComparison.Ordinal) ? key["text_model.".Length..] : key;
        return k == "embeddings.position_ids" ? null : k;
    }

    /// <summary>Older diffusers VAEs name the mid-block attention projections query/key/value/proj_attn.</summary>
    internal static string VaeKey(string key)
    {
        foreach (var (old, now) in new[] { (".query.", ".to_q."), (".key.", ".to_k."), (".value.", ".to_v."),
            (".proj_attn.", ".to_out.0.") })
            if (key.Contains(".attentions.") && key.Contains(old)) return key.Replace(old, now);
        return key;
    }

    /// <summary>
    /// Merges a LoRA file into the UNet and the text encoder (the layers the file has for each), scaled; a file that
    /// does not fit either is refused before any weight changes. Prompts encoded before it are stale.
    /// </summary>
    /// <returns>how many layers were merged</returns>
    public int ApplyLora(LoraReference lora) =>
        LoraMerge.ApplyFile(new Dictionary<string, nn.Module> { ["unet"] = Unet, ["text_encoder"] = TextEncoder }, lora);

    /// <summary>Text embeddings [B, tokens, hidden] (last_hidden_state) for padded token ids, in the UNet's dtype.</summary>
    public Tensor EncodeTokenIds(long[][] ids)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        int n = ids[0].Length;
        if (ids.Any(r => r.Length != n)) throw new ArgumentException("token id rows must have the same length");
        var t = torch.tensor(ids.SelectMany(r => r).ToArray(), new long[] { ids.Length, n }, dtype: ScalarType.Int64, device: Device);
        return TextEncoder.Forward(t).LastHiddenState.MoveToOuterDisposeScope();
    }

    /// <summary>Text embeddings [1, tokens, hidden] of a prompt, via the
    /// checkpoint's tokenizer (padded, truncated to its length).</summary>
    public Tensor EncodePrompt(string prompt, out bool truncated)
    {
        if (Tokenizer == null) throw new UserError($"{Folder}: the checkpoint has no tokenizer/ folder, so prompts cannot be encoded");
        return EncodeTokenIds(new[] { Tokenizer.EncodePadded(prompt, out truncated) });
    }

    public Tensor EncodePrompt(string prompt) => EncodePrompt(prompt, out _);

    /// <summary>The UNet's raw output (noise, v or x0 per prediction_type) for latents at timestep t; no gradient.</summary>
    public Tensor PredictNoise(Tensor latents, int t, Tensor embeddings)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var x = latents.to(Device).to(Dtype);
        return Unet.Forward(x, t, embeddings.to(Device).to(Dtype)).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Classifier-free-guided prediction u + g (c - u), with the UNet run once on the batch [x, x] and
    /// embeddings [cond, uncond] (each of batch size B, or 1 to be broadcast).
    /// </summary>
    public Tensor GuidedPrediction(Tensor latents, int t, Tensor cond, Tensor uncond, double guidance)
    {
        using var scope = torch.NewDisposeScope();
        long b = latents.shape[0];
        var c = cond.shape[0] == b ? cond : cond.expand(b, cond.shape[1], cond.shape[2]);
        var u = uncond.shape[0] == b ? uncond : uncond.expand(b, uncond.shape[1], uncond.shape[2]);
        var both = PredictNoise(torch.cat(new[] { latents, latents }, 0), t, torch.cat(new[] { c, u }, 0));
        var parts = both.chunk(2, 0);
        return parts[1].Plus((parts[0] - parts[1]).Times(guidance)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The guided prediction turned into a noise prediction whatever the model predicts (see
    /// <see cref="ModelPrediction"/>). Guiding the raw outputs and then converting equals converting each branch and
    /// then guiding: the conversion is affine in the output with coefficients shared by both branches.
    /// </summary>
    public Tensor GuidedNoise(Tensor latents, int t, Tensor cond, Tensor uncond, double guidance)
    {
        using var scope = torch.NewDisposeScope();
        var pred = GuidedPrediction(latents, t, cond, uncond, guidance);
        var x = latents.to(pred.device).to(ScalarType.Float32);
        return ModelPrediction.ToEpsilon(SchedulerConfig.PredictionType, pred, x, Schedule.AlphasCumprod[t]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Text-to-image denoising with the checkpoint's sampler (DDPM for a DDPMScheduler, DDIM with eta 0 otherwise)
    /// or <paramref name="sampler"/>, and classifier-free guidance (only when guidance > 1, as in diffusers);
    /// returns the final latents (float32).
    /// </summary>
    /// <param name="progress">called after each step with (step index from 1, step count, timestep)</param>
    /// <param name="sampler">"ddim" or "ddpm" instead of the checkpoint's</param>
    /// <param name="stepNoise">draws DDPM's noise at every step (default: a generator seeded 0)</param>
    public Tensor Sample(Tensor cond, Tensor uncond, Tensor initialLatents, int steps, double guidance,
        Action<int, int, int>? progress = null,
                         string? sampler = null, Generator? stepNoise = null)
    {
        var config = sampler == null ? SchedulerConfig : SchedulerConfig.WithSampler(sampler);
        using var defaultNoise = stepNoise == null ? new Generator(0) : null;
        var scheduler = DenoisingSchedulers.Create(config, stepNoise ?? defaultNoise!);
        var timesteps = scheduler.SetTimesteps(steps);
        var start = config.MatchStartToData(initialLatents.to(Device).to(ScalarType.Float32), Schedule.AlphasCumprod[timesteps[0]]);
        var latents = start.Times(scheduler.InitNoiseSigma).DetachFromDisposeScope();
        for (int i = 0; i < timesteps.Length; i++)
        {
            using var scope = torch.NewDisposeScope();
            // diffusers skips the unconditional branch unless guidance_scale > 1
            var pred = guidance > 1
                ? GuidedPrediction(latents, timesteps[i], cond, uncond, guidance)
                : PredictNoise(latents, timesteps[i],
                    cond.shape[0] == latents.shape[0] ? cond : cond.expand(latents.shape[0], cond.shape[1], cond.shape[2]));
            int step = i, t = timesteps[i];
            NonFiniteOutputException.ThrowIfNotFinite(pred, () =>
                $"the UNet's noise prediction at step {step + 1} of {timesteps.Length} (t={t})");
            var next = scheduler.Step(pred, timesteps[i], latents).MoveToOuterDisposeScope();
            latents.Dispose();
            latents = next;
            progress?.Invoke(i + 1, timesteps.Length, timesteps[i]);
        }
        return latents;
    }

    /// <summary>A text-to-image request: prompts, DDIM steps, guidance, and the starting noise (a seed, or given latents).</summary>
    /// <param name="Sampler">"ddim" or "ddpm" instead of the checkpoint's scheduler</param>
    public sealed record TextToImageRequest(string Prompt, string NegativePrompt = "", int Steps = 50, double GuidanceScale = 7.5,
        int? Height = null, int? Width = null, long Seed = 0, Tensor? InitialLatents = null, string? Sampler = null)
    {
        /// <summary>The checks that need no model, so a bad option fails before a checkpoint loads.</summary>
        public void Validate()
        {
            SchedulerConfig.RequireSampler(Sampler);
            if (Steps < 1) throw new UserError("steps", $"is {Steps}; must be at least 1");
            if (!double.IsFinite(GuidanceScale)) throw new UserError("guidance_scale", $"is {GuidanceScale}; must be a finite number");
        }
    }

    /// <summary>The image [1,H,W,3] in [0,1] (on the CPU), and which prompts were longer than the tokenizer's limit.</summary>
    public sealed record TextToImageResult(Tensor Image, bool PromptTruncated, bool NegativePromptTruncated);

    /// <summary>
    /// The latent shape [1, C, H/f, W/f] of an image size (the image shape [1, 3, H, W] in pixel space); a size that
    /// the VAE cannot take is a UserError naming the size (height or width).
    /// </summary>
    public long[] LatentShape(int height, int width)
    {
        // the UNet itself takes any size (its upsamplers follow the skip connections); only the VAE needs multiples of 8
        int multiple = IsPixelSpace ? 1 : Math.Max(8, VaeScaleFactor);
        foreach (var (key, value) in new[] { ("height", height), ("width", width) })
            if (value <= 0 || value % multiple != 0)
                throw new UserError(key, $"is {value}; must be " + (multiple == 1 ? "positive" : $"a positive multiple of {multiple}"));
        if (!IsPixelSpace && LatentChannels != Vae.Config.LatentChannels)
            throw new UserError("model",
                $"the UNet takes {LatentChannels} input channels but the VAE has {Vae.Config.LatentChannels} latent channels; " +
                "not a text-to-image checkpoint");
        return new long[] { 1, LatentChannels, height / VaeScaleFactor, width / VaeScaleFactor };
    }

    /// <summary>Text-to-image as diffusers' StableDiffusionPipeline with a DDIMScheduler (eta 0) computes it.</summary>
    public TextToImageResult TextToImage(TextToImageRequest r, Action<int, int, int>? progress = null)
    {
        r.Validate();
        var shape = LatentShape(r.Height ?? DefaultResolution, r.Width ?? DefaultResolution);
        if (r.InitialLatents is { } given && !given.shape.SequenceEqual(shape))
            throw new UserError($"initial latents have shape [{string.Join(",", given.shape)}] but the image size needs " +
                $"[{string.Join(",", shape)}]");
        using var scope = torch.NewDisposeScope();
        // one generator for the starting noise and then DDPM's step noise, as diffusers' pipelines use theirs
        using var generator = new Generator((ulong)r.Seed);
        var latents = r.InitialLatents?.to(ScalarType.Float32) ?? torch.randn(shape, generator: generator);
        var cond = EncodePrompt(r.Prompt, out bool truncated);
        var uncond = EncodePrompt(r.NegativePrompt, out bool negativeTruncated);
        var final = Sample(cond, uncond, latents, r.Steps, r.GuidanceScale, progress, r.Sampler, generator);
        return new TextToImageResult(DecodeToImages(final).cpu().MoveToOuterDisposeScope(), truncated, negativeTruncated);
    }

    /// <summary>
    /// Latents (as the UNet sees them) to images [B, H, W, 3] in [0, 1] (float32), like diffusers' output_type="np";
    /// in pixel space the samples are the images in [-1, 1] and are only mapped.
    /// </summary>
    public Tensor DecodeToImages(Tensor latents)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var images = IsPixelSpace
            ? latents.to(Device).to(ScalarType.Float32)
            : Vae.Decode(latents.to(Device).to(VaeDtype).DividedBy(Vae.Config.ScalingFactor)).to(ScalarType.Float32);
        NonFiniteOutputException.ThrowIfNotFinite(images, () => IsPixelSpace ? "the sampled image" : "the VAE's decoded image");
        return images.DividedBy(2).Plus(0.5).clamp(Scalars.Of(0), Scalars.Of(1)).permute(0, 2, 3, 1).contiguous().MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        TextEncoder.Dispose();
        Unet.Dispose();
        Vae?.Dispose();
        _cpuKernels?.Dispose();
    }
}
