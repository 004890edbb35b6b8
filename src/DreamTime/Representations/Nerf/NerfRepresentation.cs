using System.Numerics;
using DreamTime.Geometry;
using DreamTime.IO;
using DreamTime.Optimization;
using DreamTime.Rendering;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Representations.Nerf;

/// <summary>
/// The 3D scene optimised by score distillation: a <see cref="NerfField"/> (hash grid + MLPs) and a
/// <see cref="Background"/>, rendered by a <see cref="VolumeRenderer"/> from <see cref="Camera"/>s.
/// Checkpoint keys are the module paths ("field.encoding.table", "field.density_net.layers.0.weight", ...).
/// </summary>
public sealed class NerfRepresentation : nn.Module, IRepresentation
{
    private readonly NerfField field;
    private readonly Background background;

    public NerfConfig Config { get; }
    /// <summary>Learning rates, regulariser weights and mesh export; the defaults where the NeRF is built from a bare config.</summary>
    public NerfSettings Settings { get; }
    public VolumeRenderer Renderer { get; }
    string IRepresentation.Name => "nerf";

    public NerfRepresentation(NerfSettings settings, long seed) : this(settings.Field, seed, settings) { }

    public NerfRepresentation(NerfConfig cfg, long seed, NerfSettings? settings = null) : base("nerf")
    {
        Config = cfg.Validate();
        Settings = (settings ?? new NerfSettings()) with { Field = Config };
        var init = new Generator((ulong)seed);
        field = new NerfField(cfg, init);
        background = new Background(cfg, init);
        Renderer = new VolumeRenderer(cfg.SamplesPerRay, cfg.BoundShape, cfg.BoundRadius, cfg.SkipWeight);
        _seed = seed;
        if (Settings.OccupancyGrid)
            Occupancy = new OccupancyGrid(Settings.OccupancyResolution, cfg.BoundRadius, Settings.OccupancyThreshold);
        RegisterComponents();
    }

    private readonly long _seed;
    private const int StreamOccupancy = 0x0CC0;
    /// <summary>The checkpoint key of <see cref="Occupancy"/>'s estimates (not a parameter: kept out of the state dict).</summary>
    private const string OccupancyKey = "occupancy";

    /// <summary>Empty-space skipping (settings occupancy_*); null when off.</summary>
    public OccupancyGrid? Occupancy { get; }

    public void UpdateStep(int step)
    {
        if (Occupancy != null && (step - 1) % Settings.OccupancyUpdateEvery == 0)
        {
            using var jitter = Seeds.Generator(_seed, step, StreamOccupancy);
            Occupancy.Update(Density, jitter);
        }
    }

    public RenderOutput Render(RenderRequest r) => Render(r.Cameras, r.Height, r.Width, r.Shading, r.Light, r.Jitter);

    public IReadOnlyDictionary<string, Tensor> Regularizers(RenderOutput render, int step)
    {
        var terms = new Dictionary<string, Tensor>();
        if (Settings.LambdaOrientation > 0)
            terms["orientation"] = render.Extra(VolumeRenderer.OrientationExtra).Times(Settings.LambdaOrientation);
        if (Settings.LambdaSparsity > 0) terms["sparsity"] = NerfRegularizers.Sparsity(render.Opacity).Times(Settings.LambdaSparsity);
        if (Settings.LambdaOpacityEntropy > 0)
            terms["opacity_entropy"] = NerfRegularizers.OpacityEntropy(render.Opacity).Times(Settings.LambdaOpacityEntropy);
        return terms;
    }

    public NerfField Field => this.field;
    public Background BackgroundModel => background;

    private Device ModelDevice => this.field.Encoding.Table.device;

    /// <summary>
    /// Renders one image per camera. jitter: generator for stratified sampling in training; null = bin midpoints
    /// (evaluation). Normals (and the orientation loss) are computed when normals is true or the shading needs them.
    /// samplesPerRay overrides the config's count (e.g. more samples for evaluation renders).
    /// </summary>
    public RenderOutput Render(IReadOnlyList<Camera> cameras, int height, int width, ShadingMode shading, Lighting light,
                               Generator? jitter, bool normals = true, int? samplesPerRay = null) =>
        Renderer.Render(field, background.forward, cameras, height, width, shading, light, jitter, normals, ModelDevice,
                        samplesPerRay: samplesPerRay, occupied: Occupancy is null ? null : Occupancy.Contains);

    /// <summary>Activated density [N] at world points [N,3] (no gradient; evaluated in chunks).</summary>
    public Tensor Density(Tensor points) => Chunked(points, p => field.Density(p).Density);

    /// <summary>Albedo [N,3] in [0,1] at world points [N,3] (no gradient; evaluated in chunks).</summary>
    public Tensor Albedo(Tensor points) => Chunked(points, p => field.Query(p, normals: false).Albedo);

    private Tensor Chunked(Tensor points, Func<Tensor, Tensor> f)
    {
        if (points.ndim != 2 || points.shape[1] != 3)
            throw new ArgumentException($"points must be [N,3], got [{string.Join(",", points.shape)}]");
        using var _ = torch.no_grad();
        const long chunk = 1 << 16;
        var p = points.to(ScalarType.Float32).to(ModelDevice);
        var parts = new List<Tensor>();
        for (long i = 0; i < p.shape[0]; i += chunk)
        {
            using var scope = torch.NewDisposeScope();
            parts.Add(f(p.narrow(0, i, Math.Min(chunk, p.shape[0] - i))).MoveToOuterDisposeScope());
        }
        return parts.Count == 0 ? f(p) : torch.cat(parts, 0);
    }

    /// <summary>Parameters by group with their learning rates: "encoding", "network", "background".</summary>
    public IReadOnlyList<ParameterGroup> ParameterGroups =>
    [
        new("encoding", this.field.Encoding.parameters().ToList(), Settings.LrEncoding),
        new("network", this.field.NetworkParameters.ToList(), Settings.LrNetwork),
        new("background", background.parameters().ToList(), Settings.LrBackground),
    ];

    /// <summary>Marching cubes on the density at the settings' iso-level; vertex colours from the albedo.</summary>
    public Mesh ExtractMesh()
    {
        float b = (float)Config.BoundRadius;
        float[] Query(float[] xyz, Func<Tensor, Tensor> f)
        {
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            var pts = torch.tensor(xyz, new long[] { xyz.Length / 3, 3 });
            return f(pts).to(torch.float32).cpu().contiguous().data<float>().ToArray();
        }
        return MeshExtraction.Extract(
            xyz => Query(xyz, p => Density(p).reshape(-1)),
            xyz => Query(xyz, p => Albedo(p).reshape(-1)),
            (new Vector3(-b, -b, -b), new Vector3(b, b, b)),
            new MeshExtractionOptions
            {
                Resolution = Settings.MeshResolution,
                IsoLevel = (float)Settings.MeshThreshold,
                KeepLargestComponent = true,
            }).Mesh;
    }

    public void MoveTo(Device device) => this.to(device);

    protected override void Dispose(bool disposing)
    {
        if (disposing) Occupancy?.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>Starts from another NeRF's weights and occupancy grid (a later stage of a run); the network shapes must match.</summary>
    public void CopyFrom(NerfRepresentation other)
    {
        var source = other.state_dict();
        using var _ = torch.no_grad();
        foreach (var (key, target) in state_dict())
        {
            if (!source.TryGetValue(key, out var value) || !value.shape.SequenceEqual(target.shape))
                throw new UserError("representation: cannot start from the previous stage's NeRF: " +
                    $"tensor '{key}' differs (the stages' representation.field settings must match)");
            target.copy_(value.to(target.device));
        }
        // the field is the same, so is where it is empty
        if (Occupancy != null && other.Occupancy != null && Occupancy.Resolution == other.Occupancy.Resolution)
            Occupancy.SetEstimates(other.Occupancy.CellDensity);
    }

    public void Save(string path) => SaveWeights(path);

    public void Load(string path)
    {
        using var loaded = LoadWeights(path, Config);
        var source = loaded.state_dict();
        using var _ = torch.no_grad();
        foreach (var (key, target) in state_dict()) target.copy_(source[key].to(target.device));
        // a checkpoint written without skipping (or before it existed) leaves the grid to its next update
        var file = SafetensorsFile.Open(path);
        if (Occupancy != null && file.Entries.TryGetValue(OccupancyKey, out var entry) && entry.Shape.Aggregate(1L, (a, b) => a * b) ==
            Occupancy.CellDensity.numel())
        {
            using var estimates = file.Load(OccupancyKey);
            Occupancy.SetEstimates(estimates);
        }
    }

    /// <summary>Writes every parameter to a safetensors file (atomically), with the config in the metadata.</summary>
    public void SaveWeights(string path)
    {
        var tensors = state_dict().ToDictionary(kv => kv.Key, kv => kv.Value);
        if (Occupancy != null) tensors[OccupancyKey] = Occupancy.CellDensity;
        SafetensorsFile.Save(path, tensors, new Dictionary<string, string> { ["format"] = "dreamtime-nerf", ["config"] = Config.ToJson() });
    }

    /// <summary>Builds a model for the config and fills it from a checkpoint; any
    /// missing, extra or misshapen tensor is a <see cref="UserError"/>.</summary>
    public static NerfRepresentation LoadWeights(string path, NerfConfig cfg)
    {
        var file = SafetensorsFile.Open(path);
        var model = new NerfRepresentation(cfg, 0);
        var expected = model.state_dict();
        foreach (var key in file.Entries.Keys)
            if (!expected.ContainsKey(key) && key != OccupancyKey)
                throw new UserError($"{path}: checkpoint tensor '{key}' is not part of this NeRF config (saved with a different config?)");
        using (torch.no_grad())
        {
            foreach (var (key, target) in expected)
            {
                if (!file.Entries.TryGetValue(key, out var entry))
                    throw new UserError($"{path}: checkpoint has no tensor '{key}' (config needs shape " +
                        $"[{string.Join(",", target.shape)}])");
                if (!entry.Shape.SequenceEqual(target.shape))
                    throw new UserError($"{path}: tensor '{key}' has shape [{string.Join(",", entry.Shape)}] in the checkpoint but the " +
                        $"config needs [{string.Join(",", target.shape)}]");
                using var loaded = file.Load(key);
                target.copy_(loaded.to(target.dtype));
            }
        }
        return model;
    }
}
