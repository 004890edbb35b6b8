using System.Numerics;
using DreamTime.Geometry;
using DreamTime.IO;
using DreamTime.Optimization;
using DreamTime.Rendering;
using DreamTime.Representations.Nerf;
using DreamTime.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Representations.Dmtet;

/// <summary>
/// A mesh optimised directly (DMTet, as Magic3D's refinement and Fantasia3D use it): a signed distance and a bounded
/// offset per vertex of a <see cref="TetGrid"/>; every render extracts the surface by <see cref="MarchingTetrahedra"/>,
/// rasterises it with <see cref="DifferentiableRasterizer"/> (barycentric gradients inside, antialiased silhouettes), and
/// colours each pixel from a 3D texture field (a hash grid and a colour MLP, the NeRF's own when built from one) at the
/// surface point it sees. Checkpoint keys: "sdf", "deformation", "grid_box", "texture.*", "background.*" (and "sdf_encoding.*",
/// "sdf_net.*" with sdf_field "hash").
/// </summary>
public sealed class DmtetRepresentation : nn.Module, IRepresentation, ISurfaceMaterial
{
    /// <summary>Extras of a render: the surface it was drawn from, and the two faces of each edge shared by exactly two
    /// ([P,2] int64, from the rasteriser's adjacency), for the mesh regularisers.</summary>
    public const string SurfaceVerticesExtra = "surface_vertices", SurfaceFacesExtra = "surface_faces",
        SurfaceFacePairsExtra = "surface_face_pairs";

    /// <summary>The signed distance per grid vertex; with sdf_field "hash", the start shape's, which the field corrects.</summary>
    private readonly Parameter sdf;
    /// <summary>sdf_field "hash" (Fantasia3D's implicit SDF): a hash grid and MLP whose output is added to <see cref="sdf"/>.</summary>
    private readonly HashGridEncoding? sdf_encoding;
    private readonly Mlp? sdf_net;
    private readonly Parameter deformation;
    /// <summary>[2,3] the grid's box (min, max): saved so a checkpoint rebuilds the same grid.</summary>
    private readonly Tensor grid_box;
    private readonly NerfField texture;
    /// <summary>Roughness and metallic from the texture's features (read when the material is "pbr").</summary>
    private readonly Mlp material_net;
    private readonly Background background;
    private TetGrid _grid;
    /// <summary>Open <see cref="BeginViews"/> scopes, and the surface their renders share (extracted by the first).</summary>
    private int _openViews;
    private (Tensor Positions, Tensor Faces)? _viewsSurface;

    public DmtetSettings Settings { get; }
    /// <summary>The texture field's network shape (the NeRF's when inherited from one).</summary>
    public NerfConfig FieldConfig { get; }
    public TetGrid Grid => _grid;
    /// <summary>When set, each render adds its parts' times to it.</summary>
    public DmtetTimings? Timings { get; set; }
    string IRepresentation.Name => "dmtet";

    private DmtetRepresentation(DmtetSettings settings, NerfConfig fieldConfig, TetGrid grid, Tensor initialSdf, long seed)
        : base("dmtet")
    {
        Settings = settings;
        FieldConfig = fieldConfig;
        _grid = grid;
        var init = new Generator((ulong)seed);
        sdf = new Parameter(initialSdf.to(ScalarType.Float32).contiguous());
        deformation = new Parameter(zeros(grid.VertexCount, 3));
        grid_box = torch.tensor(new[] { grid.Min.X, grid.Min.Y, grid.Min.Z, grid.Max.X, grid.Max.Y, grid.Max.Z }, new long[] { 2, 3 });
        if (settings.SdfField == "hash")
        {
            sdf_encoding = new HashGridEncoding(HashGridLayout.From(fieldConfig), init);
            sdf_net = new Mlp("sdf_net", sdf_encoding.OutputDim, fieldConfig.HiddenWidth, 1, 1, init);
            sdf_net.ZeroOutput();
        }
        texture = new NerfField(fieldConfig, init);
        material_net = new Mlp("material_net", texture.Encoding.OutputDim, fieldConfig.HiddenWidth, 1, 2, init);
        background = new Background(fieldConfig, init);
        RegisterComponents();
    }

    /// <summary>Builds the surface its settings name: from the previous stage's NeRF or DMTet, a sphere, an ellipsoid or a
    /// mesh file.</summary>
    /// <param name="cameras">the run's camera ranges: their evaluation views choose the automatic threshold of a conversion
    /// from a NeRF</param>
    public static DmtetRepresentation Create(DmtetSettings s, long seed, IRepresentation? previous, CameraRanges cameras)
    {
        switch (s.Init)
        {
            case "previous" when previous is NerfRepresentation nerf:
                return FromNerf(s, nerf, seed, cameras);
            case "previous" when previous is DmtetRepresentation mesh:
                return FromDmtet(s, mesh, seed);
            case "previous":
                throw new UserError("init", "is \"previous\" but there is no NeRF or DMTet stage before this one");
            case "mesh":
                return FromMeshFile(s, seed);
            default:
                {
                    var grid = TetGrid.Cube(s.GridResolution, s.Bound);
                    using var values = s.Init == "sphere"
                        ? SdfShapes.Sphere(grid.Vertices, Vector3.Zero, s.Radius)
                        : SdfShapes.Ellipsoid(grid.Vertices, Vector3.Zero,
                            new Vector3((float)s.Radii[0], (float)s.Radii[1], (float)s.Radii[2]));
                    return new DmtetRepresentation(s, s.Field, grid, values, seed);
                }
        }
    }

    /// <summary>
    /// Magic3D's conversion: the density on a grid over the NeRF's bound finds the object's box (padded by 10%), a tet grid
    /// fills that box, and its vertices get sdf = clamp(threshold - density, -1, 1) of the density smoothed over a quarter of a
    /// cell (the hash grid's finest noise would otherwise become bumps that shading shows; more trims thin parts); the texture field and
    /// background are the NeRF's own. The automatic threshold is the iso-level whose silhouettes best match the NeRF's own
    /// opacity from the evaluation views of <paramref name="cameras"/> (threestudio's mean-density rule leaves holes or
    /// floaters: #45, #52).
    /// </summary>
    public static DmtetRepresentation FromNerf(DmtetSettings s, NerfRepresentation nerf, long seed, CameraRanges cameras)
    {
        var views = CameraSampler.EvaluationViews(cameras);
        double bound = nerf.Config.BoundRadius;
        using var coarse = TetGrid.Cube(Math.Max(s.GridResolution, 32), bound);
        using var coarseDensity = Smoothed(nerf.Density(coarse.Vertices), coarse.Resolution, s.Smoothing).to(ScalarType.Float64);
        double threshold = s.Threshold ?? SilhouetteThreshold(nerf, coarse, coarseDensity, views);
        var inside = coarseDensity.gt(Scalars.Of(threshold));
        long count = inside.sum().item<long>();
        if (count == 0 || count == coarse.VertexCount)
        {
            double max = coarseDensity.max().ReadDouble(), min = coarseDensity.min().ReadDouble();
            throw new UserError("threshold",
                $"is {threshold:G4}; the previous stage's NeRF has {(count == 0 ? "no density above" : "density everywhere above")} it " +
                $"(its density ranges over [{min:G4}, {max:G4}] on the grid); " +
                $"{SilhouetteThreshold(nerf, coarse, coarseDensity, views):G4} " +
                "(the automatic choice, null) would find a surface");
        }
        var points = coarse.Vertices.index_select(0, inside.nonzero().squeeze(1));
        var lo = points.amin(0).to(ScalarType.Float64).data<double>().ToArray();
        var hi = points.amax(0).to(ScalarType.Float64).data<double>().ToArray();
        var min3 = new double[3];
        var max3 = new double[3];
        for (int k = 0; k < 3; k++)
        {
            double pad = 0.1 * Math.Max(hi[k] - lo[k], 2 * bound / coarse.Resolution) + bound / coarse.Resolution;
            min3[k] = Math.Max(-bound, lo[k] - pad);
            max3[k] = Math.Min(bound, hi[k] + pad);
        }
        var grid = TetGrid.Box(s.GridResolution, new Vector3((float)min3[0], (float)min3[1], (float)min3[2]),
            new Vector3((float)max3[0], (float)max3[1], (float)max3[2]));
        // the smoothing is in cells of the coarse grid, so the surface does not depend on grid_resolution
        double cells = s.Smoothing * grid.Resolution * 2 * bound / coarse.Resolution / Math.Max(max3[0] - min3[0],
            Math.Max(max3[1] - min3[1], max3[2] - min3[2]));
        using var density = Smoothed(nerf.Density(grid.Vertices), grid.Resolution, cells).to(ScalarType.Float32);
        using var values = density.SubtractedFrom(threshold).ClampedTo(-1, 1);
        var rep = new DmtetRepresentation(s with { Threshold = threshold }, nerf.Config, grid, values, seed);
        rep.CopyTextureFrom(nerf.Field, nerf.BackgroundModel);
        return rep;
    }

    /// <summary>threestudio's automatic iso-level: the mean of the densities above 1e-5.</summary>
    private static double AutoThreshold(Tensor density)
    {
        using var positive = density.masked_select(density.gt(Scalars.Of(1e-5)));
        return positive.numel() == 0 ? 1e-5 : positive.mean().ReadDouble();
    }

    /// <summary>Candidate iso-levels, spread over the density's range on a log scale.</summary>
    private static readonly double[] Candidates = [0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 30, 50];

    /// <summary>The candidate iso-level whose mesh silhouettes (mask IoU) best match the NeRF's opacity above 0.5.</summary>
    private static double SilhouetteThreshold(NerfRepresentation nerf, TetGrid grid, Tensor density, IReadOnlyList<Camera> views)
    {
        const int size = 64;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var target = nerf.Render(new RenderRequest(views, size, size, ShadingMode.Albedo, Lighting.Default)).Opacity
            .squeeze(-1).gt(Scalars.Of(0.5)).cpu();
        double max = density.max().ReadDouble();
        double best = AutoThreshold(density), bestIou = -1;
        var vertices = grid.Vertices.to(ScalarType.Float64);
        foreach (double t in Candidates.Where(c => c < max))
        {
            var values = density.SubtractedFrom(t);
            var (v, f) = MarchingTetrahedra.Extract(vertices, values, grid.Tets.index_select(0, grid.CandidateTets(values)));
            if (f.shape[0] == 0) continue;
            using var frags = DifferentiableRasterizer.Rasterize(v, f, views, size, size);
            var covered = frags.TriangleId.ge(Scalars.Of(0)).cpu();
            double inter = (covered & target).sum().item<long>(), union = (covered | target).sum().item<long>();
            double iou = union == 0 ? 0 : inter / union;
            if (iou > bestIou + 1e-9) (best, bestIou) = (t, iou);
        }
        return best;
    }

    /// <summary>The density at a grid's vertices blurred by a Gaussian of <paramref name="cells"/> cells (none when 0).</summary>
    private static Tensor Smoothed(Tensor density, int resolution, double cells)
    {
        if (cells <= 0) return density;
        using var scope = NewDisposeScope();
        int radius = Math.Max(1, (int)Math.Ceiling(2 * cells)), side = resolution + 1;
        var taps = Enumerable.Range(-radius, 2 * radius + 1).Select(k => Math.Exp(-0.5 * k * k / (cells * cells))).ToArray();
        double sum = taps.Sum();
        var kernel = torch.tensor(taps.Select(x => (float)(x / sum)).ToArray(), dtype: ScalarType.Float32, device: density.device);
        var volume = density.to(ScalarType.Float32).reshape(1, 1, side, side, side);
        foreach (var shape in new long[][] { [1, 1, 2 * radius + 1, 1, 1], [1, 1, 1, 2 * radius + 1, 1], [1, 1, 1, 1, 2 * radius + 1] })
        {
            // edge values repeated outwards, so the blur does not pull the border towards zero
            var pad = shape[2] > 1 ? new long[] { 0, 0, 0, 0, radius, radius } : shape[3] > 1 ? [0, 0, radius, radius, 0, 0]
                : [radius, radius, 0, 0, 0, 0];
            volume = nn.functional.conv3d(nn.functional.pad(volume, pad, PaddingModes.Replicate), kernel.reshape(shape));
        }
        return volume.reshape(-1).to(density.dtype).MoveToOuterDisposeScope();
    }

    private static DmtetRepresentation FromDmtet(DmtetSettings s, DmtetRepresentation previous, long seed)
    {
        if (previous.Grid.Resolution != s.GridResolution)
            throw new UserError("grid_resolution",
                $"is {s.GridResolution} but the previous stage's DMTet grid has {previous.Grid.Resolution}; a stage built from a DMTet " +
                "keeps its grid");
        var grid = TetGrid.Box(previous.Grid.Resolution, previous.Grid.Min, previous.Grid.Max);
        // the previous surface's values, whichever field made them: this stage may parametrise its SDF otherwise
        using var values = previous.SdfValues().detach().clone();
        var rep = new DmtetRepresentation(s, previous.FieldConfig, grid, values, seed);
        using (no_grad())
        {
            rep.deformation.copy_(previous.deformation);
            foreach (var (key, t) in rep.material_net.state_dict()) t.copy_(previous.material_net.state_dict()[key]);
        }
        rep.CopyTextureFrom(previous.texture, previous.background);
        return rep;
    }

    private static DmtetRepresentation FromMeshFile(DmtetSettings s, long seed)
    {
        var mesh = UserError.InSection("mesh_file", () => MeshFile.Read(s.MeshFile));
        var (lo, hi) = mesh.BoundingBox();
        var centre = (lo + hi) / 2;
        float half = Math.Max(Math.Max(hi.X - lo.X, hi.Y - lo.Y), hi.Z - lo.Z) / 2;
        if (!(half > 0)) throw new UserError("mesh_file", $"{s.MeshFile}: the mesh has no extent (all its vertices coincide)");
        // centred, its largest half-extent 60% of the grid's: the cameras frame objects of about that size
        float scale = (float)(0.6 * s.Bound) / half;
        var positions = new float[mesh.Positions.Length];
        for (int v = 0; v < mesh.VertexCount; v++)
        {
            positions[3 * v] = (mesh.Positions[3 * v] - centre.X) * scale;
            positions[3 * v + 1] = (mesh.Positions[3 * v + 1] - centre.Y) * scale;
            positions[3 * v + 2] = (mesh.Positions[3 * v + 2] - centre.Z) * scale;
        }
        var fitted = new Mesh(positions, mesh.Indices);
        var grid = TetGrid.Cube(s.GridResolution, s.Bound);
        using var values = MeshSdf.At(fitted, grid.Vertices);
        return new DmtetRepresentation(s, s.Field, grid, values, seed);
    }

    private void CopyTextureFrom(NerfField field, Background bg)
    {
        using var _ = no_grad();
        foreach (var (target, source) in new (nn.Module, nn.Module)[] { (texture, field), (background, bg) })
        {
            var from = source.state_dict();
            foreach (var (key, t) in target.state_dict()) t.copy_(from[key].to(t.device));
        }
    }

    /// <summary>The deformed grid: each vertex moves at most half a cell, so no tet turns inside out.</summary>
    private Tensor Positions()
    {
        var cell = (_grid.Max - _grid.Min) / _grid.Resolution;
        var half = torch.tensor(new[] { cell.X / 2, cell.Y / 2, cell.Z / 2 }, dtype: ScalarType.Float32, device: sdf.device);
        return _grid.Vertices.to(sdf.device).Plus(torch.tanh(deformation) * half);
    }

    /// <summary>The signed distance at the grid's vertices: the parameter itself, or the start shape's plus the hash field's
    /// correction (one gradient moves a neighbourhood of vertices together; on the built-in prior it did not shape a sphere
    /// better than per-vertex values: docs/studies/mesh-pipelines.md).</summary>
    private Tensor SdfValues()
    {
        if (sdf_encoding is null || sdf_net is null) return sdf;
        var size = _grid.Max - _grid.Min;
        var scale = torch.tensor(new[] { 1 / size.X, 1 / size.Y, 1 / size.Z }, dtype: ScalarType.Float32, device: sdf.device);
        var origin = torch.tensor(new[] { _grid.Min.X, _grid.Min.Y, _grid.Min.Z }, dtype: ScalarType.Float32, device: sdf.device);
        var u = (_grid.Vertices.to(sdf.device) - origin) * scale;
        return sdf.Plus(sdf_net.forward(sdf_encoding.Encode(u, jacobian: false).Features).squeeze(1));
    }

    /// <summary>The current surface: positions [M,3] (differentiable) and faces [F,3]. Inside <see cref="BeginViews"/>,
    /// renders without gradients share one extraction.</summary>
    public (Tensor Positions, Tensor Faces) Surface()
    {
        if (_openViews > 0 && !torch.is_grad_enabled())
        {
            if (_viewsSurface is null)
            {
                var (p, f) = Extract();
                _viewsSurface = (p.DetachFromDisposeScope(), f.DetachFromDisposeScope());
            }
            return _viewsSurface.Value;
        }
        return Extract();
    }

    private (Tensor Positions, Tensor Faces) Extract()
    {
        var positions = Positions();
        var values = SdfValues();
        var tets = _grid.Tets.to(sdf.device).index_select(0, _grid.CandidateTets(values));
        return Settings.FreezeGeometry
            ? MarchingTetrahedra.Extract(positions.detach(), values.detach(), tets)
            : MarchingTetrahedra.Extract(positions, values, tets);
    }

    public IDisposable BeginViews()
    {
        _openViews++;
        return new ScopeExit(() =>
        {
            if (--_openViews == 0) DropViewsSurface();
        });
    }

    private void DropViewsSurface()
    {
        _viewsSurface?.Positions.Dispose();
        _viewsSurface?.Faces.Dispose();
        _viewsSurface = null;
    }

    public RenderOutput Render(RenderRequest r)
    {
        int b = r.Cameras.Count, h = r.Height, w = r.Width;
        var device = sdf.device;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double Lap()
        {
            double s = clock.Elapsed.TotalSeconds;
            clock.Restart();
            return s;
        }
        var (verts, faces) = Surface();
        if (Timings != null) Timings.Surface += Lap();
        var dirs = torch.stack(r.Cameras.Select(c => c.RayTensors(h, w, device).Directions).ToList(), 0);   // [B,H*W,3]
        var bg = background.forward(dirs.reshape(-1, 3)).reshape(b, h, w, 3);
        var extras = new Dictionary<string, Tensor> { [SurfaceVerticesExtra] = verts, [SurfaceFacesExtra] = faces };
        if (faces.shape[0] == 0)
        {
            var none = zeros(b, h, w, 1, device: device);
            return new RenderOutput(bg, none, none, zeros(b, h, w, 3, device: device), bg) { Extras = extras };
        }
        using var frags = DifferentiableRasterizer.Rasterize(verts, faces, r.Cameras, h, w);
        var (pairA, pairB) = frags.Visibility.Adjacency.FacePairs();
        extras[SurfaceFacePairsExtra] = torch.stack([torch.tensor(pairA), torch.tensor(pairB)], 1).to(device);
        var mask = frags.Coverage();
        var world = DifferentiableRasterizer.Interpolate(verts, frags);
        var normals = RasterNormals.Pixels(frags, verts, faces, Settings.FlatShading ? null : RasterNormals.Vertices(verts, faces));
        if (Timings != null) Timings.Rasterize += Lap();
        // the texture is a field in space: the colour follows the point seen, not the surface's motion (threestudio's too)
        var features = texture.Features(world.detach().reshape(-1, 3));
        var albedo = texture.AlbedoFrom(features);
        var shaded = (Settings.Material == "pbr" && r.Shading == ShadingMode.Diffuse
            ? ShadePbr(features, albedo, normals.reshape(-1, 3), dirs.reshape(-1, 3), r.Light)
            : r.Light.Shade(albedo, normals.reshape(-1, 3), r.Shading)).reshape(b, h, w, 3);
        var rgb = (shaded * mask).Plus(bg * mask.SubtractedFrom(1));
        if (Timings != null) Timings.Texture += Lap();
        rgb = DifferentiableRasterizer.Antialias(rgb, frags);
        var opacity = DifferentiableRasterizer.Antialias(mask, frags);
        if (Timings != null) Timings.Antialias += Lap();
        var depth = frags.Depth.unsqueeze(-1).to(rgb.dtype);
        return new RenderOutput(rgb, opacity, depth, normals * mask, bg) { Extras = extras };
    }

    /// <summary>Roughness and metallic [N,2] in Fantasia3D's ranges from texture features.</summary>
    private Tensor RoughnessMetallic(Tensor features)
    {
        var rm = torch.sigmoid(material_net.forward(features));
        return torch.cat(new[]
        {
            rm.narrow(1, 0, 1).Times(PbrShading.MaxRoughness - PbrShading.MinRoughness).Plus(PbrShading.MinRoughness),
            rm.narrow(1, 1, 1).Times(PbrShading.MaxMetallic),
        }, 1);
    }

    private Tensor ShadePbr(Tensor features, Tensor albedo, Tensor normal, Tensor rayDirections, Lighting light)
    {
        var rm = RoughnessMetallic(features);
        return PbrShading.Shade(albedo, rm.narrow(1, 0, 1), rm.narrow(1, 1, 1), normal, -rayDirections, light);
    }

    public IReadOnlyList<ParameterGroup> ParameterGroups =>
    [
        .. Settings.FreezeGeometry ? Array.Empty<ParameterGroup>() :
        [
            new("sdf", sdf_encoding is null || sdf_net is null ? [sdf] : [.. sdf_encoding.parameters(), .. sdf_net.parameters()],
                Settings.LrSdf),
            new("deformation", [deformation], Settings.LrDeformation),
        ],
        new("texture", texture.TextureParameters.Concat(Settings.Material == "pbr" ? material_net.parameters() : []).ToList(),
            Settings.LrTexture),
        new("background", background.parameters().ToList(), Settings.LrBackground),
    ];

    public IReadOnlyDictionary<string, Tensor> Regularizers(RenderOutput render, int step)
    {
        var terms = new Dictionary<string, Tensor>();
        var verts = render.Extra(SurfaceVerticesExtra);
        var faces = render.Extra(SurfaceFacesExtra);
        if (faces.shape[0] == 0 || Settings.FreezeGeometry) return terms;
        if (Settings.LambdaNormalConsistency > 0)
            terms["normal_consistency"] = MeshRegularizers.NormalConsistency(verts, faces, render.Extra(SurfaceFacePairsExtra))
                .Times(Settings.LambdaNormalConsistency);
        if (Settings.LambdaLaplacian > 0)
            terms["laplacian"] = MeshRegularizers.Laplacian(verts, faces).Times(Settings.LambdaLaplacian);
        return terms;
    }

    /// <summary>The surface as a mesh with vertex colours from the texture field.</summary>
    public Mesh ExtractMesh()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var (verts, faces) = Surface();
        if (faces.shape[0] == 0) return Mesh.Empty;
        var colors = texture.AlbedoAt(verts);
        var positions = verts.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        var indices = faces.to(ScalarType.Int32).cpu().contiguous().data<int>().ToArray();
        return new Mesh(positions, indices, colors.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray());
    }

    public float[] AlbedoAt(float[] points, float[] normals)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var p = torch.tensor(points, new long[] { points.Length / 3, 3 }).to(sdf.device);
        return texture.AlbedoAt(p).to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }

    public Func<float[], float[], float[]>? RoughnessMetallicAt => Settings.Material != "pbr" ? null : (points, normals) =>
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var p = torch.tensor(points, new long[] { points.Length / 3, 3 }).to(sdf.device);
        return RoughnessMetallic(texture.Features(p)).to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    };

    public void MoveTo(Device device)
    {
        DropViewsSurface();
        this.to(device);
    }

    public void Save(string path) =>
        SafetensorsFile.Save(path, state_dict().ToDictionary(kv => kv.Key, kv => kv.Value),
            new Dictionary<string, string> { ["format"] = "dreamtime-dmtet", ["field"] = FieldConfig.ToJson() });

    public void Load(string path)
    {
        var file = SafetensorsFile.Open(path);
        DropViewsSurface();
        using var _ = no_grad();
        foreach (var (key, target) in state_dict())
        {
            if (!file.Entries.TryGetValue(key, out var entry))
                throw new UserError($"{path}: checkpoint has no tensor '{key}' (not a checkpoint of this DMTet stage)");
            if (!entry.Shape.SequenceEqual(target.shape))
                throw new UserError($"{path}: tensor '{key}' has shape [{string.Join(",", entry.Shape)}] in the checkpoint but this " +
                    $"stage needs [{string.Join(",", target.shape)}] (changed grid_resolution or field?)");
            using var loaded = file.Load(key);
            target.copy_(loaded.to(target.dtype).to(target.device));
        }
        // the box may differ from the one this stage computed (a threshold changed since): rebuild the grid on it
        var box = grid_box.to(ScalarType.Float32).cpu().data<float>().ToArray();
        var min = new Vector3(box[0], box[1], box[2]);
        var max = new Vector3(box[3], box[4], box[5]);
        if (min != _grid.Min || max != _grid.Max)
        {
            _grid.Dispose();
            _grid = TetGrid.Box(Settings.GridResolution, min, max);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            DropViewsSurface();
            _grid.Dispose();
        }
        base.Dispose(disposing);
    }
}
