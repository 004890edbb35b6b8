using DreamTime.Diffusion;
using DreamTime.Models.Diffusers;
using DreamTime.Models.Lora;
using DreamTime.Models.Unet;
using DreamTime.Optimization;
using DreamTime.Rendering;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace DreamTime.Guidance.Vsd;

/// <summary>
/// VSD's estimate of the score of the current renders: the frozen UNet with LoRA adapters on its attention and a
/// camera embedding (the 4x4 camera-to-world matrix through a linear-SiLU-linear, added to the timestep embedding
/// as diffusers adds a class embedding). It shares the prior's weights: the adapters are switched on only inside
/// its own calls, so the prior's prediction is the base model's, exactly. It learns by denoising the detached
/// renders at timesteps it draws uniformly itself (as ProlificDreamer does), whatever t the strategy gives VSD.
/// </summary>
public sealed class LoraScore : IDisposable
{
    private readonly StableDiffusionPipeline _pipe;
    private readonly LoraNetwork _lora;
    private readonly TimestepEmbedding _camera;
    private readonly Tensor _alphasCumprod;
    public VsdOptions Options { get; }

    /// <summary>The camera embedding's input: a flattened 4x4 matrix.</summary>
    public const int CameraFeatures = 16;

    public LoraScore(StableDiffusionPipeline pipeline, VsdOptions options)
    {
        options.Validate();
        _pipe = pipeline;
        Options = options;
        var generator = new Generator((ulong)options.Seed);
        _lora = LoraNetwork.Attach(pipeline.Unet, "unet", options.Lora, generator);
        _lora.Enabled = false;
        var unet = pipeline.Unet.Config;
        _camera = new TimestepEmbedding(CameraFeatures, unet.TimeEmbedDim, Models.Layers.Activations.Get(unet.ActFn, "unet act_fn"));
        // uniform in +-1/sqrt(fan-in) for a weight and +-1/sqrt(width) for a bias, drawn from the seeded generator so that
        // a seed gives one network (nn.Linear's own initialisation draws from the global generator)
        using (torch.no_grad())
            foreach (var p in _camera.parameters())
            {
                double bound = 1 / Math.Sqrt(p.dim() == 2 ? p.shape[1] : p.shape[0]);
                using var u = torch.rand(p.shape, generator: generator);
                p.copy_(u.Times(2 * bound).Minus(bound));
            }
        _camera.to(pipeline.Device);
        _alphasCumprod = torch.tensor(pipeline.Schedule.AlphasCumprod).to(pipeline.Device).DetachFromDisposeScope();
        Group = new ParameterGroup("lora", _lora.Parameters.Concat(_camera.parameters()).ToList(), options.LearningRate,
            OptimizerSettings.AdamW);
    }

    /// <summary>The adapters and the camera embedding, trained with AdamW.</summary>
    public ParameterGroup Group { get; }

    public LoraNetwork Network => _lora;

    /// <summary>Camera-to-world matrices [B, 16] (row-major, last row 0 0 0 1), float32 on the model's device.</summary>
    public Tensor CameraMatrices(IReadOnlyList<Camera> cameras)
    {
        var data = new float[cameras.Count * CameraFeatures];
        for (int b = 0; b < cameras.Count; b++)
        {
            var m = cameras[b].CameraToWorld();
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < 4; c++)
                    data[b * CameraFeatures + r * 4 + c] = (float)m[r, c];
            data[b * CameraFeatures + 15] = 1;
        }
        return torch.tensor(data, new long[] { cameras.Count, CameraFeatures }).to(_pipe.Device);
    }

    /// <summary>The copy's raw output (the model's prediction type) for x_t at per-item timesteps; adapters on.</summary>
    private Tensor Forward(Tensor noisy, Tensor timesteps, Tensor text, Tensor cameras)
    {
        _lora.Enabled = true;
        try
        {
            var classEmbedding = _camera.Forward(cameras);
            return _pipe.Unet.Forward(noisy.to(_pipe.Dtype), timesteps, text.to(_pipe.Dtype), classEmbedding).to(ScalarType.Float32);
        }
        finally
        {
            _lora.Enabled = false;
        }
    }

    /// <summary>
    /// The copy's noise estimate for x_t at the VSD t (no gradient): camera-conditioned, guided towards it from the
    /// camera-free estimate by <see cref="VsdOptions.LoraGuidanceScale"/> when that is not 1.
    /// </summary>
    public Tensor NoiseEstimate(Tensor noisy, int t, Tensor text, Tensor cameras)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        long b = noisy.shape[0];
        var steps = torch.full(new long[] { b }, Scalars.Of((long)t), ScalarType.Int64, _pipe.Device);
        Tensor output;
        if (Options.LoraGuidanceScale == 1) output = Forward(noisy, steps, text, cameras);
        else
        {
            var both = Forward(torch.cat(new[] { noisy, noisy }), torch.cat(new[] { steps, steps }), torch.cat(new[] { text, text }),
                torch.cat(new[] { cameras, torch.zeros_like(cameras) })).chunk(2);
            output = both[1].Plus((both[0] - both[1]).Times(Options.LoraGuidanceScale));
        }
        var x = noisy.to(ScalarType.Float32);
        return ModelPrediction.ToEpsilon(_pipe.SchedulerConfig.PredictionType, output, x, _pipe.Schedule.AlphasCumprod[t])
            .MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The copy's denoising loss on the detached renders x0 [B, C, h, w]: t' uniform over the whole schedule and fresh
    /// noise per item, the camera zeroed with probability <see cref="VsdOptions.CameraDropout"/>, the mean squared
    /// error to the target of the model's prediction type. Its gradient reaches only the adapters and the camera
    /// embedding (the base weights are frozen, x0 is detached).
    /// </summary>
    public Tensor TrainingLoss(Tensor x0, Tensor text, Tensor cameras, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        var clean = x0.detach().to(ScalarType.Float32);
        long b = clean.shape[0];
        int steps = _pipe.Schedule.TrainTimesteps;
        var t = torch.randint(0, steps, new long[] { b }, ScalarType.Int64, generator: generator).to(_pipe.Device);
        var noise = torch.randn(clean.shape, ScalarType.Float32, generator: generator).to(_pipe.Device);
        var keep = torch.rand(new long[] { b }, generator: generator).ge(Scalars.Of(Options.CameraDropout)).to(ScalarType.Float32)
            .to(_pipe.Device);
        var conditioned = cameras * keep.unsqueeze(1);
        var alphaBar = _alphasCumprod.index_select(0, t).reshape(b, 1, 1, 1);
        var noisy = (alphaBar.sqrt() * clean).Plus(alphaBar.SubtractedFrom(1.0).sqrt() * noise);
        var target = ModelPrediction.TrainingTarget(_pipe.SchedulerConfig.PredictionType, clean, noise, alphaBar);
        var output = Forward(noisy, t, text, conditioned);
        return nn.functional.mse_loss(output, target).MoveToOuterDisposeScope();
    }

    public IReadOnlyList<Parameter> Parameters => Group.Parameters;

    public void Dispose()
    {
        _lora.Dispose();
        _camera.Dispose();
        _alphasCumprod.Dispose();
    }
}
