using DreamTime.Rendering;
using DreamTime.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Representations.Nerf;

/// <summary>
/// The scene's neural field (threestudio's implicit volume): hash-grid features of the normalised position
/// feed a density MLP and an albedo MLP. density = activation(raw + bias(x)), where the bias is a centred blob so
/// training starts from a ball; albedo = sigmoid(albedo MLP). Normals are the negative normalised gradient of the
/// pre-activation density (same direction as the density's gradient, the activation being increasing),
/// computed analytically: encoding Jacobian x the density MLP's input gradient + the blob's gradient. Finite
/// differences would cost 3-6 extra density evaluations (encoding + MLP, forward and backward) per visible
/// sample; the analytic form costs one kernel pass with the Jacobian and one reverse sweep through the MLP,
/// and stays differentiable, so the orientation loss and diffuse shading train the geometry.
/// "trunc_exp" is exp(min(raw, 15)) (the clamp bounds the gradient as threestudio's truncated exp does).
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

    /// <summary>What the density pass keeps for the appearance pass.</summary>
    private sealed record DensityState(Tensor U, Tensor Features, List<Tensor> PreActivations);

    public FieldDensity Density(Tensor points)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var u = points.Times(Scale).Plus(0.5);
        var features = encoding.Encode(u, jacobian: false).Features;
        if (Timings != null) Timings.Encode += Lap(clock);
        var (densityOut, pre) = density_net.ForwardKeepingPreActivations(features);
        var raw = densityOut.squeeze(1).Plus(DensityBias(points, gradient: false).Bias);
        var density = _cfg.DensityActivation == "trunc_exp" ? raw.clamp_max(Scalars.Of(15)).exp() : raw.Softplus();
        if (Timings != null) Timings.Mlp += Lap(clock);
        return new FieldDensity(density, points, new DensityState(u, features, pre));
    }

    public (Tensor Albedo, Tensor? Normal) Appearance(FieldDensity density, Tensor index, bool normals)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var st = (DensityState)density.State!;
        bool all = index.shape[0] == density.Points.shape[0];
        Tensor Pick(Tensor t) => all ? t : t.index_select(0, index);
        var features = Pick(st.Features);
        var albedo = torch.sigmoid(albedo_net.forward(features));
        if (Timings != null) Timings.Mlp += Lap(clock);
        if (!normals) return (albedo, null);

        var points = Pick(density.Points);
        // The kernel gives the Jacobian only with the features; recomputing those for the kept samples is cheap.
        var jacobian = encoding.Encode(Pick(st.U), jacobian: true).Jacobian!;                  // [K,3,D]
        if (Timings != null) Timings.Encode += Lap(clock);
        var gFeat = density_net.InputGradient(st.PreActivations.Select(Pick).ToList(), 0);    // [K,D]
        var gradX = jacobian.bmm(gFeat.unsqueeze(2)).squeeze(2).Times(Scale);                    // [K,3]
        var biasGrad = DensityBias(points, gradient: true).Gradient;
        if (biasGrad is not null) gradX = gradX.Plus(biasGrad);
        var normal = -gradX / gradX.norm(1, keepdim: true).clamp_min(Scalars.Of(1e-12));
        if (Timings != null) Timings.Mlp += Lap(clock);
        return (albedo, normal);
    }

    /// <summary>Albedo [N,3] in [0,1] at world points [N,3], differentiably, without the density network: a mesh stage
    /// uses the field as a 3D texture (Magic3D's refinement queries it at the rasterised surface points).</summary>
    public Tensor AlbedoAt(Tensor points) => AlbedoFrom(Features(points));

    /// <summary>The hash-grid features [N,D] of world points [N,3] (what the colour networks read).</summary>
    public Tensor Features(Tensor points) => encoding.Encode(points.Times(Scale).Plus(0.5), jacobian: false).Features;

    /// <summary>Albedo [N,3] in [0,1] from features of <see cref="Features"/>.</summary>
    public Tensor AlbedoFrom(Tensor features) => torch.sigmoid(albedo_net.forward(features));

    /// <summary>The parameters a texture needs: the encoding and the albedo network (not the density network).</summary>
    public IEnumerable<Parameter> TextureParameters => encoding.parameters().Concat(albedo_net.parameters());

    /// <summary>World -> [0,1]^3 over the bounding cube.</summary>
    private double Scale => 0.5 / _cfg.BoundRadius;

    /// <summary>The initial-shape bias and its gradient w.r.t. the world position (when asked).</summary>
    private (Tensor Bias, Tensor? Gradient) DensityBias(Tensor x, bool gradient)
    {
        double a = _cfg.BlobDensity, r0 = _cfg.BlobRadius;
        switch (_cfg.DensityBias)
        {
            case "blob_magic3d":
                {
                    var r = x.norm(1).clamp_min(Scalars.Of(1e-9));
                    var bias = r.DividedBy(r0).SubtractedFrom(1).Times(a);
                    return (bias, gradient ? x * r.DividingInto(-a / r0).unsqueeze(1) : null);
                }
            case "blob_gaussian":
                {
                    var bias = torch.exp((-(x * x).sum(1)).DividedBy(2 * r0 * r0)).Times(a);
                    return (bias, gradient ? x * (-bias).DividedBy(r0 * r0).unsqueeze(1) : null);
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
