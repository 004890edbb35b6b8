using System.Numerics;
using DreamTime.Geometry;
using DreamTime.Optimization;
using DreamTime.Rendering;
using DreamTime.Representations;
using DreamTime.Representations.Dmtet;
using DreamTime.Representations.Nerf;
using DreamTime.Runtime;
using DreamTime.Tests.Geometry;
using DreamTime.Tests.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Representations;

public class DmtetRepresentationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-dmtet-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly NerfConfig TinyField = TrainingTestSupport.TinyNerf;
    private static readonly Camera[] Views = [new(20, 30, 2.5, 40), new(-10, 200, 2.2, 45)];

    private static DmtetRepresentation Sphere(int resolution = 24) =>
        DmtetRepresentation.Create(new DmtetSettings { Init = "sphere", GridResolution = resolution, Field = TinyField }, 1, null,
            new CameraRanges());

    [Fact]
    public void ASphereStartsAsAClosedMeshOfTheSphereVolume()
    {
        using var rep = Sphere(32);
        var mesh = rep.ExtractMesh();
        // the piecewise-linear surface of a sampled SDF lies within a cell of the sphere; its volume within a few percent
        Assert.InRange(mesh.SignedVolume(), 0.94 * 4 / 3.0 * Math.PI * 0.125, 1.01 * 4 / 3.0 * Math.PI * 0.125);
        Assert.Equal(1, mesh.CountComponents());
        for (int v = 0; v < mesh.VertexCount; v++) Assert.InRange(mesh.Position(v).Length(), 0.5 - 2.0 / 32, 0.5 + 2.0 / 32);
    }

    [Fact]
    public void ItsRenderCoversWhatTheMeshRasteriserCoversAndGradientsReachTheSdf()
    {
        using var rep = Sphere();
        var mesh = rep.ExtractMesh();
        var r = rep.Render(new RenderRequest(Views, 32, 32, ShadingMode.Diffuse, Lighting.Default));
        for (int b = 0; b < Views.Length; b++)
        {
            var (_, mask) = MeshRasterizer.Render(mesh, Views[b], 32, 32);
            var opacity = r.Opacity[b].squeeze(-1).detach().contiguous().data<float>().ToArray();
            // antialiasing moves only silhouette pixels: every pixel both call inside (or outside) agrees
            int agree = mask.Zip(opacity).Count(p => (p.First > 0.5) == (p.Second > 0.5));
            Assert.True(agree >= mask.Length - 8, $"{mask.Length - agree} pixels differ");
        }
        var loss = r.Rgb.mean().Plus(r.Opacity.mean());
        foreach (var (name, term) in rep.Regularizers(r, 1)) loss = loss.Plus(term);
        loss.backward();
        var sdfGroup = rep.ParameterGroups.Single(g => g.Name == "sdf");
        var grad = sdfGroup.Parameters[0].grad!;
        Assert.True(grad.abs().sum().ReadDouble() > 0);
        Assert.True(torch.isfinite(grad).all().item<bool>());
        Assert.Contains(rep.ParameterGroups.Single(g => g.Name == "texture").Parameters,
            p => p.grad is { } g && g.abs().sum().ReadDouble() > 0);
    }

    [Fact]
    public void RendersInsideBeginViewsShareOneSurfaceAndDrawWhatRendersOutsideItDraw()
    {
        using var rep = Sphere();
        RenderOutput Draw(Camera view) => rep.Render(new RenderRequest([view], 32, 32, ShadingMode.Diffuse, Lighting.Default));
        Tensor Surface(RenderOutput r) => r.Extra(DmtetRepresentation.SurfaceVerticesExtra);
        using (no_grad())
        {
            var alone = Draw(Views[1]);
            using (rep.BeginViews())
            {
                var first = Draw(Views[0]);
                var second = Draw(Views[1]);
                Assert.Same(Surface(first), Surface(second));
                Assert.Equal(0.0, (second.Rgb - alone.Rgb).abs().max().ReadDouble());
                Assert.Equal(0.0, (second.Opacity - alone.Opacity).abs().max().ReadDouble());
                // a render with gradients (a training step's) always extracts its own surface
                using (enable_grad()) Assert.NotSame(Surface(first), Surface(Draw(Views[0])));
            }
            Assert.NotSame(Surface(alone), Surface(Draw(Views[1])));
        }
    }

    [Fact]
    public void AFreshNerfBecomesTheSphereWhereItsInitialBlobCrossesTheThreshold()
    {
        // density = softplus(mlp + 10 (1 - r / 0.5)) with a small random mlp: 5 is reached where 10 (1 - 2r) = 4.993, r = 0.2504
        using var nerf = new NerfRepresentation(new NerfSettings { Field = TinyField }, 3);
        using var rep = DmtetRepresentation.FromNerf(new DmtetSettings { Threshold = 5, Smoothing = 0, GridResolution = 32 }, nerf, 3,
            new CameraRanges());
        var mesh = rep.ExtractMesh();
        double mean = Enumerable.Range(0, mesh.VertexCount).Average(v => mesh.Position(v).Length());
        Assert.InRange(mean, 0.2504 - 0.03, 0.2504 + 0.03);
        // the grid was fitted to the object's box, padded: much finer cells than over the NeRF's whole bound
        Assert.True(rep.Grid.Max.X - rep.Grid.Min.X < 1.0);
        var e = Assert.Throws<UserError>(() =>
            DmtetRepresentation.FromNerf(new DmtetSettings { Threshold = 50, GridResolution = 16 }, nerf, 3, new CameraRanges()));
        Assert.Equal("threshold", e.Key);
        Assert.Contains("no density above it", e.Message);
        Assert.Contains("(the automatic choice, null) would find a surface", e.Message);
    }

    [Fact]
    public void AHashSdfStartsAsTheShapeMovesItsSurfaceSmoothlyAndSavesItsField()
    {
        var settings = new DmtetSettings { Init = "sphere", GridResolution = 24, Field = TinyField, SdfField = "hash", LrSdf = 0.01 };
        using var rep = DmtetRepresentation.Create(settings, 1, null, new CameraRanges());
        using var plain = Sphere();
        Assert.Equal(plain.ExtractMesh().Positions, rep.ExtractMesh().Positions);
        double volume = rep.ExtractMesh().SignedVolume();
        // shrinking the silhouettes moves the surface inwards through the field, not vertex by vertex
        var optimizer = AdamOptimizer.For(rep.ParameterGroups.Where(g => g.Name == "sdf"));
        for (int step = 0; step < 5; step++)
        {
            optimizer.ZeroGrad();
            rep.Render(new RenderRequest(Views, 32, 32, ShadingMode.Diffuse, Lighting.Default)).Opacity.mean().backward();
            optimizer.Step();
        }
        var moved = rep.ExtractMesh();
        Assert.True(moved.SignedVolume() < 0.98 * volume, $"volume {volume} -> {moved.SignedVolume()}");
        Assert.Equal(1, moved.CountComponents());
        var path = Path.Combine(_dir, "hash.safetensors");
        rep.Save(path);
        using var loaded = DmtetRepresentation.Create(settings, 2, null, new CameraRanges());
        loaded.Load(path);
        Assert.Equal(moved.Positions, loaded.ExtractMesh().Positions);
    }

    [Fact]
    public void AMeshFileIsCentredScaledAndKeptInsideOut()
    {
        var box = MarchingCubes.Extract(TestShapes.SampleGrid(24, TestShapes.UnitBounds, TestShapes.Box(new Vector3(0.1f, 0, 0.1f),
            new Vector3(0.8f, 0.3f, 0.5f))), 24, 24, 24, TestShapes.UnitBounds, 0);
        var path = Path.Combine(_dir, "box.glb");
        GlbWriter.Write(path, box);
        using var rep = DmtetRepresentation.Create(
            new DmtetSettings { Init = "mesh", MeshFile = path, GridResolution = 32, Field = TinyField },
            1, null, new CameraRanges());
        var (lo, hi) = rep.ExtractMesh().BoundingBox();
        // centred, the largest half-extent 0.6 of the grid's bound: x spans [-0.6, 0.6], the others in proportion
        Assert.InRange(hi.X, 0.6 - 0.07, 0.6 + 0.07);
        Assert.InRange(lo.X, -0.6 - 0.07, -0.6 + 0.07);
        Assert.InRange(hi.Y - lo.Y, 0.45 - 0.1, 0.45 + 0.1);
        Assert.True(rep.ExtractMesh().SignedVolume() > 0);
        var bad = Path.Combine(_dir, "not-a-mesh.obj");
        File.WriteAllText(bad, "hello");
        var e = Assert.Throws<UserError>(() =>
            DmtetRepresentation.Create(new DmtetSettings { Init = "mesh", MeshFile = bad, Field = TinyField }, 1, null,
                new CameraRanges()));
        Assert.Contains("not-a-mesh.obj", e.Message);
    }

    [Fact]
    public void SaveAndLoadRestoreEveryTensor()
    {
        using var a = Sphere();
        using (no_grad()) a.ParameterGroups.Single(g => g.Name == "deformation").Parameters[0].uniform_(-1, 1);
        var path = Path.Combine(_dir, "dmtet.safetensors");
        a.Save(path);
        using var b = Sphere();
        b.Load(path);
        Assert.Equal(0.0, TrainingTestSupport.MaxDifference(TrainingTestSupport.Tensors(path), Tensors(b)));
        Assert.Equal(a.ExtractMesh().Positions, b.ExtractMesh().Positions);
    }

    private static Dictionary<string, double[]> Tensors(DmtetRepresentation rep) =>
        rep.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray());

    [Fact]
    public void RegularisersMatchTheirClosedForms()
    {
        // a regular tetrahedron: neighbouring outward normals meet at cos = -1/3, so 1 - cos = 4/3 on every edge
        var tet = tensor(new double[] { 1, 1, 1, 1, -1, -1, -1, 1, -1, -1, -1, 1 }, new long[] { 4, 3 });
        var faces = tensor(new long[] { 0, 1, 2, 0, 3, 1, 0, 2, 3, 1, 3, 2 }, new long[] { 4, 3 });
        Assert.Equal(4 / 3.0, MeshRegularizers.NormalConsistency(tet, faces).ReadDouble(), 10);
        // each vertex's neighbours are the other three, whose mean is -v/3: |v + v/3|^2 = (16/9) 3
        Assert.Equal(16 / 3.0, MeshRegularizers.Laplacian(tet, faces).ReadDouble(), 10);
        // a flat square of two triangles: no bend
        var square = tensor(new double[] { 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0 }, new long[] { 4, 3 });
        var two = tensor(new long[] { 0, 1, 2, 0, 2, 3 }, new long[] { 2, 3 });
        Assert.Equal(0.0, MeshRegularizers.NormalConsistency(square, two).ReadDouble(), 12);
    }
}
