using DreamTime.Rendering;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Scene;

/// <summary>
/// The scene's neural field (threestudio's implicit volume): hash-grid features of the normalised position
/// feed a density MLP and an albedo MLP. density = activation(raw + bias(x)), where the bias is a centred blob so
/// training starts from a ball; albedo = sigmoid(albedo MLP). Normals are the negative normalised gradient of the
/// pre-activation density (same direction as the density's gradient, the activation being increasing),
/// computed analytically: encoding Jacobian x the density MLP's input gradient + the blob's gradient.
/// </summary>
public sealed class NerfField : nn.Module, IVolumeField
{
    private readonly HashGridEncoding encoding;
    private readonly Mlp density_net;
    private readonly Mlp albedo_net;
    private readonly NerfConfig _cfg;

    public NerfField(NerfConfig cfg, Generator init) : base("field")
    {
        _cfg = cfg;
        encoding = new HashGridEncoding(HashGridLayout.From(cfg), init);
        density_net = new Mlp("density_net", encoding.OutputDim, cfg.HiddenWidth, cfg.HiddenLayers, 1, init);
        albedo_net = new Mlp("albedo_net", encoding.OutputDim, cfg.HiddenWidth, cfg.HiddenLayers, 3, init);
        RegisterComponents();
    }

    public HashGridEncoding Encoding => encoding;
    public IEnumerable<Parameter> NetworkParameters => density_net.parameters().Concat(albedo_net.parameters());

    /// <summary>Timings of the last queries' parts, in seconds (set to record).</summary>
    public FieldTimings? Timings { get; set; }

    public FieldSamples Query(Tensor points, bool normals)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double scale = 0.5 / _cfg.BoundRadius;   // world -> [0,1]^3 over the bounding cube
        var u = points * scale + 0.5;
        var (features, jacobian) = encoding.Encode(u, normals);
        if (Timings != null) Timings.Encode += Lap(clock);

        var (densityOut, pre) = density_net.ForwardKeepingPreActivations(features);
        var (bias, biasGrad) = DensityBias(points, normals);
        var raw = densityOut.squeeze(1) + bias;
        var density = _cfg.DensityActivation == "trunc_exp" ? raw.clamp_max(15).exp() : torch.nn.functional.softplus(raw);
        var albedo = torch.sigmoid(albedo_net.forward(features));
        Tensor? normal = null;
        if (normals)
        {
            var gFeat = density_net.InputGradient(pre, 0);                                  // [N,D]
            var gradX = jacobian!.bmm(gFeat.unsqueeze(2)).squeeze(2) * scale;              // [N,3]
            if (biasGrad is not null) gradX = gradX + biasGrad;
            normal = -gradX / gradX.norm(1, keepdim: true).clamp_min(1e-12);
        }
        if (Timings != null) Timings.Mlp += Lap(clock);
        return new FieldSamples(density, albedo, normal);
    }

    /// <summary>The initial-shape bias and its gradient w.r.t. the world position (when asked).</summary>
    private (Tensor Bias, Tensor? Gradient) DensityBias(Tensor x, bool gradient)
    {
        double a = _cfg.BlobDensity, r0 = _cfg.BlobRadius;
        switch (_cfg.DensityBias)
        {
            case "blob_magic3d":
            {
                var r = x.norm(1).clamp_min(1e-9);
                var bias = a * (1 - r / r0);
                return (bias, gradient ? x * (-a / r0 / r).unsqueeze(1) : null);
            }
            case "blob_gaussian":
            {
                var bias = a * torch.exp(-(x * x).sum(1) / (2 * r0 * r0));
                return (bias, gradient ? x * (-bias / (r0 * r0)).unsqueeze(1) : null);
            }
            default:
                return (torch.zeros(x.shape[0], dtype: x.dtype, device: x.device), null);
        }
    }

    private static double Lap(System.Diagnostics.Stopwatch clock)
    {
        double s = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return s;
    }
}

/// <summary>Where a field query spent its time, in seconds.</summary>
public sealed class FieldTimings
{
    public double Encode, Mlp;
}
