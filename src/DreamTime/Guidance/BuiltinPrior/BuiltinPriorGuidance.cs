using DreamTime.Diffusion;
using DreamTime.Evaluation;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Scenes;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Guidance.BuiltinPrior;

/// <summary>
/// Score distillation against the built-in prior: for each camera the prompt's members (conditional) and the
/// unconditional set are rendered analytically, and the exact denoiser of those image sets predicts the noise.
/// Member renders are cached for the cameras of the latest step only. In the normal modality
/// (<see cref="BuiltinPriorOptions.Input"/>) the members are normal images and so is the render the trainer passes.
/// </summary>
public sealed class BuiltinPriorGuidance : ScoreDistillationGuidance
{
    public override string Name => ImageConditioned ? "builtin-image" : "builtin";
    /// <summary>Conditioned on an input image (<see cref="ForImage"/>) instead of a prompt.</summary>
    public bool ImageConditioned => LogPrior != null;
    /// <summary>
    /// Prior log-weights of the conditional members (Selection.Members order) when image-conditioned: the
    /// log-likelihood of the input image under each member seen from the input camera. Null for a prompt, whose
    /// members are equally likely.
    /// </summary>
    public IReadOnlyList<double>? LogPrior { get; }
    public override NoiseSchedule Schedule => Options.Schedule;
    public override SdsOptions Sds => new(Options.Weighting, Options.GradClip);
    /// <summary>The prompt the members were selected for (trimmed).</summary>
    public string Prompt { get; }
    public BuiltinPriorOptions Options { get; }
    public PriorLibrary Library { get; }
    public PromptSelection Selection { get; }
    /// <summary>
    /// Members rendered at each camera: the unconditional set, which contains the conditional one; only the
    /// prompt's members when the guidance scale is 1 (the unconditional model then has no effect).
    /// The conditional members are RenderedMembers[ConditionalIndex[i]].
    /// </summary>
    public IReadOnlyList<FamilyMember> RenderedMembers { get; }
    public IReadOnlyList<int> ConditionalIndex { get; }
    public SdfRenderer Renderer { get; }

    private readonly Dictionary<(Camera, int, int), Tensor> _cache = new();
    private readonly Tensor? _logPrior;

    public BuiltinPriorGuidance(string prompt, BuiltinPriorOptions? options = null, PriorLibrary? library = null)
        : this((library ?? PriorLibrary.Default).Select(prompt), null, options, library)
    {
    }

    private BuiltinPriorGuidance(PromptSelection selection, IReadOnlyList<double>? logPrior, BuiltinPriorOptions? options,
        PriorLibrary? library)
    {
        Options = options ?? new BuiltinPriorOptions();
        Options.Validate();
        Library = library ?? PriorLibrary.Default;
        Prompt = selection.Prompt.Trim();
        Selection = selection;
        LogPrior = logPrior;
        if (logPrior != null) _logPrior = torch.tensor(logPrior.ToArray(), float64).DetachFromDisposeScope();
        RenderedMembers = Options.GuidanceScale == 1 ? Selection.Members
            : Options.Unconditional == UnconditionalSet.Family && Selection.Family != null ? Selection.Family.Members : Library.Members;
        var position = RenderedMembers.Select((m, i) => (m, i)).ToDictionary(p => p.m, p => p.i);
        ConditionalIndex = Selection.Members.Select(m => position[m]).ToList();
        Renderer = new SdfRenderer { Supersample = Options.Supersample };
    }

    /// <summary>Members more than this many nats less likely than the best given the image are left out (weight below e^-30).</summary>
    public const double ImagePriorCutoffNats = 30;

    /// <summary>
    /// The image-conditioned prior, the exact counterpart of Zero-1-to-3: the same families, with each member's
    /// weight multiplied by the likelihood of the input image given that member seen from the input camera,
    /// log pi_m = -(P / (H W)) ||I - R_m||^2 / (2 sigma^2) over the image's pixels and channels (P the
    /// posterior's temperature pixels, sigma the image noise). An image rendered from a member thus conditions on
    /// that member and on any other that looks the same from there, whose unseen sides may differ.
    /// </summary>
    /// <summary>The one check of the image noise (config.json's guidance.image_noise): a positive number.</summary>
    public static void CheckImageNoise(double imageNoise)
    {
        if (!(imageNoise > 0 && double.IsFinite(imageNoise)))
            throw new UserError("image_noise", $"is {imageNoise}; must be a positive number");
    }

    public static BuiltinPriorGuidance ForImage(ReferenceView reference, BuiltinPriorOptions? options = null,
        double imageNoise = DefaultImageNoise, PriorLibrary? library = null)
    {
        CheckImageNoise(imageNoise);
        options ??= new BuiltinPriorOptions();
        library ??= PriorLibrary.Default;
        var logLikelihood = ImageLogLikelihoods(reference, library, options.TemperaturePixels, imageNoise);
        double best = logLikelihood.Max();
        var kept = Enumerable.Range(0, library.Members.Count).Where(i => logLikelihood[i] >= best - ImagePriorCutoffNats)
            .OrderByDescending(i => logLikelihood[i]).ToList();
        var members = kept.Select(i => library.Members[i]).ToList();
        var selection = new PromptSelection("", library.FindFamily(members[0].Family), new Dictionary<string, IReadOnlySet<string>>(),
            members);
        return new BuiltinPriorGuidance(selection, kept.Select(i => logLikelihood[i] - best).ToList(), options, library);
    }

    public const double DefaultImageNoise = 0.1;

    /// <summary>log p(I | m) for every library member (up to a shared constant), from renders at the input camera over white.</summary>
    public static double[] ImageLogLikelihoods(ReferenceView reference, PriorLibrary library, double? temperaturePixels, double imageNoise)
    {
        int h = (int)reference.Image.shape[0], w = (int)reference.Image.shape[1];
        using var img = reference.Image.to(float32).cpu().contiguous();
        var target = img.data<float>().ToArray();
        // 2x2 rays per pixel, as the evaluation renders: the input picture is a finished, anti-aliased image
        var renders = new SdfRenderer { Supersample = PriorEvaluation.DefaultSupersample }
            .Render(library.Members.Select(m => m.Scene).ToList(), reference.Camera, h, w);
        double scale = (temperaturePixels is double p ? p / ((double)h * w) : 1.0) / (2 * imageNoise * imageNoise);
        return renders.Select(r =>
        {
            double se = 0;
            for (int i = 0; i < target.Length; i++) { double e = target[i] - r.Rgb[i]; se += e * e; }
            return -scale * se;
        }).ToArray();
    }

    /// <summary>
    /// Renders of RenderedMembers at a camera in [-1, 1], [K, H*W*3] float32 (cached for the latest step's cameras):
    /// shaded, or in the normal modality their normal images, encoded as the trainer encodes a render's.
    /// </summary>
    public Tensor MemberImages(Camera camera, int height, int width)
    {
        if (_cache.TryGetValue((camera, height, width), out var hit)) return hit;
        var images = Renderer.Render(RenderedMembers.Select(m => m.Scene).ToList(), camera, height, width)
            .Select(i => i.In(Options.Input)).ToArray();
        int d = height * width * 3;
        var flat = new float[images.Length * d];
        for (int k = 0; k < images.Length; k++)
            for (int i = 0; i < d; i++) flat[k * d + i] = 2 * images[k].Rgb[i] - 1;
        // the cache outlives the step's dispose scope
        var t = torch.tensor(flat, new long[] { images.Length, d }).DetachFromDisposeScope();
        _cache[(camera, height, width)] = t;
        return t;
    }

    protected override Tensor Encode(GuidanceInput input)
    {
        if (!ImageConditioned && input.Condition.Prompt.Trim() != Prompt)
            throw new ArgumentException($"this built-in prior guidance was built for the prompt '{Prompt}', " +
                $"not '{input.Condition.Prompt}'");
        return input.Render.Rgb.Times(2).Minus(1);
    }

    protected override Tensor PredictNoise(Tensor noisy, GuidanceInput input, double alphaBar, Dictionary<string, double> stats)
    {
        int b = (int)noisy.shape[0], h = (int)noisy.shape[1], w = (int)noisy.shape[2];
        DropStaleCache(input.Cameras, h, w);
        var device = noisy.device;
        var rendered = torch.stack(input.Cameras.Select(c => MemberImages(c, h, w)).ToArray()).to(device);
        using var condIdx = torch.tensor(ConditionalIndex.Select(i => (long)i).ToArray(), device: device);
        var condImages = rendered.index_select(1, condIdx);
        var flat = noisy.reshape(b, -1);
        double sharp = Options.Sharpness((long)h * w);

        using var cond = ExactDenoiser.Denoise(flat, condImages, alphaBar, sharp, _logPrior);
        Tensor epsHat;
        // cond is disposed when this returns, so the guided prediction must be a tensor of its own
        if (Options.GuidanceScale == 1) epsHat = cond.Eps.clone();
        else
        {
            using var uncond = ExactDenoiser.Denoise(flat, rendered, alphaBar, sharp);
            epsHat = ExactDenoiser.Guided(cond.Eps, uncond.Eps, Options.GuidanceScale);
            stats["uncond_entropy"] = uncond.Entropy.mean().item<double>();
        }
        var top = cond.Weights[0].argmax().item<long>();
        stats["posterior_entropy"] = cond.Entropy.mean().item<double>();
        stats["top_member"] = top;
        stats["top_weight"] = cond.Weights[0, top].item<double>();
        return epsHat;
    }

    /// <summary>Name of the conditional member a top_member stat refers to.</summary>
    public string MemberName(int conditionalIndex) => Selection.Members[conditionalIndex].Name;

    private void DropStaleCache(IReadOnlyList<Camera> cameras, int h, int w)
    {
        var keep = cameras.Select(c => (c, h, w)).ToHashSet();
        foreach (var key in _cache.Keys.Where(k => !keep.Contains(k)).ToList())
        {
            _cache[key].Dispose();
            _cache.Remove(key);
        }
    }

    public override void Dispose()
    {
        foreach (var t in _cache.Values) t.Dispose();
        _cache.Clear();
        _logPrior?.Dispose();
    }
}
