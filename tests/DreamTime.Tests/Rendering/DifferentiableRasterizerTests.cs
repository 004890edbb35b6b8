using System.Numerics;
using DreamTime.Geometry;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Tests.Geometry;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace DreamTime.Tests.Rendering;

public class DifferentiableRasterizerTests(ITestOutputHelper output)
{
    static DifferentiableRasterizerTests() => TorchRuntime.ConfigureAllocator();

    private static Mesh Ball(int n, float radius = 0.6f) =>
        MarchingCubes.Extract(TestShapes.SampleGrid(n, TestShapes.UnitBounds, TestShapes.Ball(new Vector3(0.05f, -0.03f, 0.02f), radius)),
            n, n, n, TestShapes.UnitBounds, 0f);

    private static Mesh Block(int n) =>
        MarchingCubes.Extract(
            TestShapes.SampleGrid(n, TestShapes.UnitBounds, TestShapes.Box(new Vector3(0.1f, 0, 0), new Vector3(0.5f, 0.3f, 0.4f))),
            n, n, n, TestShapes.UnitBounds, 0f);

    /// <summary>A floor that passes under and behind the camera, so the near plane cuts faces.</summary>
    private static Mesh Floor() => new([-50, -50, -0.3f, 50, -50, -0.3f, 50, 50, -0.3f, -50, 50, -0.3f], [0, 1, 2, 0, 2, 3]);

    private static Tensor Vertices(Mesh mesh, ScalarType dtype = ScalarType.Float32) =>
        torch.tensor(mesh.Positions, new long[] { mesh.VertexCount, 3 }).to(dtype);

    private static Tensor Faces(Mesh mesh) =>
        torch.tensor(mesh.Indices.Select(i => (long)i).ToArray(), new long[] { mesh.TriangleCount, 3 });

    private static readonly Camera[] Cameras =
    [
        new(20, 30, 2.5, 40), new(-40, 200, 1.2, 60), new(89.9, 10, 3, 30), new(10, 0, 2, 60),
    ];

    [Fact]
    public void VisibilityAndDepthAreTheMeshRasterizersExactly()
    {
        // Both draw through the same setup and z-buffer code (TriangleSetup, ZBuffer): same pinhole, pixel centres,
        // near-plane clipping and tie rule (nearest, then the lowest face), so the match is exact, not approximate.
        // Barycentrics are computed apart (in single precision both): they agree to ~3e-4, the error of either at grazing
        // pixels; on the floor, whose faces the near plane cuts, MeshRasterizer's come from a clipped corner at depth 1e-3
        // and are good to ~1e-2 only (the analytic ray hits in the next test hold this rasteriser's to 1e-7).
        foreach (var (mesh, baryTolerance) in new[] { (Ball(24), 1e-3), (Ball(64), 1e-3), (Block(40), 1e-3), (Floor(), 1e-2) })
            foreach (var (h, w) in new[] { (64, 64), (37, 53) })
            {
                using var fragments = DifferentiableRasterizer.Rasterize(Vertices(mesh), Faces(mesh), Cameras, h, w);
                var ids = fragments.TriangleId.data<long>().ToArray();
                var depth = fragments.Depth.data<float>().ToArray();
                var bary = fragments.Barycentrics.data<float>().ToArray();
                int covered = 0;
                double worstBary = 0;
                for (int b = 0; b < Cameras.Length; b++)
                {
                    var z = MeshRasterizer.ZBuffer(mesh, Cameras[b], h, w);
                    for (int k = 0; k < h * w; k++)
                    {
                        int p = b * h * w + k;
                        Assert.Equal(z.Face[k], ids[p]);
                        Assert.Equal(z.Face[k] < 0 ? 0 : 1 / z.InvDepth[k], depth[p]);
                        if (z.Face[k] < 0)
                        {
                            Assert.True(bary[3 * p] == 0 && bary[3 * p + 1] == 0 && bary[3 * p + 2] == 0);
                            continue;
                        }
                        covered++;
                        var mine = new Vector3(bary[3 * p], bary[3 * p + 1], bary[3 * p + 2]);
                        worstBary = Math.Max(worstBary, (mine - z.Bary![k]).Length());
                    }
                }
                output.WriteLine($"{mesh.TriangleCount} triangles at {h}x{w}: {covered} covered pixels over {Cameras.Length} cameras, " +
                                 $"largest barycentric difference {worstBary:E1}");
                Assert.True(covered > 100);
                Assert.True(worstBary < baryTolerance, $"barycentrics differ by {worstBary}");
            }
    }

    [Fact]
    public void InterpolatedPositionsLieOnThePixelRayAtTheBufferDepth()
    {
        // The floor's faces are cut by the near plane: the z-buffer interpolates inverse depth in single precision from
        // a clipped corner at 1/NearDepth = 1000, so its depth is good to ~1e-2 there; the barycentrics are computed
        // from the unclipped face and stay exact, which the floor's analytic ray hit checks.
        foreach (var (mesh, depthTolerance) in new[] { (Ball(32), 1e-5), (Floor(), 1e-2) })
        {
            var vertices = Vertices(mesh, ScalarType.Float64);
            const int h = 40, w = 48;
            using var fragments = DifferentiableRasterizer.Rasterize(vertices, Faces(mesh), Cameras, h, w);
            var points = DifferentiableRasterizer.Interpolate(vertices, fragments).data<double>().ToArray();
            var ids = fragments.TriangleId.data<long>().ToArray();
            var depth = fragments.Depth.data<double>().ToArray();
            double worstDepth = 0, worstOffRay = 0, worstFloor = 0;
            for (int b = 0; b < Cameras.Length; b++)
            {
                var m = Cameras[b].CameraToWorld();
                double focal = Cameras[b].FocalPixels(h);
                var (origins, directions) = Cameras[b].Rays(h, w);
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++)
                    {
                        int p = (b * h + i) * w + j, q = i * w + j;
                        if (ids[p] < 0)
                        {
                            Assert.True(points[3 * p] == 0 && points[3 * p + 1] == 0 && points[3 * p + 2] == 0);
                            continue;
                        }
                        // The point in camera space: its depth, and how far it is from the ray through the pixel centre.
                        var d = new double[3];
                        for (int a = 0; a < 3; a++) d[a] = points[3 * p + a] - m[a, 3];
                        double x = 0, y = 0, z = 0;
                        for (int a = 0; a < 3; a++) { x += m[a, 0] * d[a]; y += m[a, 1] * d[a]; z -= m[a, 2] * d[a]; }
                        worstDepth = Math.Max(worstDepth, Math.Abs(z - depth[p]) / depth[p]);
                        worstOffRay = Math.Max(worstOffRay, Math.Max(Math.Abs(x / z - (j + 0.5 - 0.5 * w) / focal),
                            Math.Abs(y / z + (i + 0.5 - 0.5 * h) / focal)));
                        if (mesh.TriangleCount != 2) continue;
                        double t = (-0.3 - origins[3 * q + 2]) / directions[3 * q + 2];
                        for (int a = 0; a < 3; a++)
                        {
                            double hit = origins[3 * q + a] + t * directions[3 * q + a];
                            worstFloor = Math.Max(worstFloor, Math.Abs(points[3 * p + a] - hit) / t);
                        }
                    }
            }
            output.WriteLine($"{mesh.TriangleCount} triangles: depth vs z-buffer {worstDepth:E2} (relative), off the pixel ray " +
                             $"{worstOffRay:E2} (slope), floor hit {worstFloor:E2} (relative)");
            Assert.True(worstDepth < depthTolerance, $"depth is {worstDepth} off");
            Assert.True(worstOffRay < 1e-9, $"points are {worstOffRay} off their rays");
            Assert.True(worstFloor < 1e-5, $"floor points are {worstFloor} off");
        }
    }

    /// <summary>sum(weight * image) of the (antialiased) interpolated colours, and the triangle ids it saw.</summary>
    private static (Tensor Loss, long[] Ids) ImageLoss(Tensor vertices, Tensor faces, Tensor colors, Tensor weight, bool antialias,
        int size)
    {
        using var fragments = DifferentiableRasterizer.Rasterize(vertices, faces, Cameras[..2], size, size);
        var image = DifferentiableRasterizer.Interpolate(colors, fragments);
        if (antialias) image = DifferentiableRasterizer.Antialias(image, fragments);
        return ((image * weight).sum(), fragments.TriangleId.data<long>().ToArray());
    }

    private void CheckGradients(Mesh mesh, Func<Tensor, Tensor> colorsOf, bool antialias,
        Func<RasterFragments, IEnumerable<int>> candidates, int coordinates)
    {
        const int size = 32;
        var faces = Faces(mesh);
        var baseVertices = Vertices(mesh, ScalarType.Float64);
        var weight = torch.rand(new long[] { 2, size, size, 3 }, dtype: ScalarType.Float64, generator: new Generator(5));
        var attributes = torch.rand(new long[] { mesh.VertexCount, 3 }, dtype: ScalarType.Float64, generator: new Generator(6));
        var vertices = baseVertices.clone().requires_grad_(true);
        var colors = attributes.clone().requires_grad_(true);
        var (loss, ids) = ImageLoss(vertices, faces, colorsOf(colors), weight, antialias, size);
        loss.backward();
        var grad = vertices.grad!.data<double>().ToArray();
        var attributeGrad = colors.grad!.data<double>().ToArray();
        Assert.All(grad, g => Assert.True(double.IsFinite(g)));

        int[] pool;
        using (var fragments = DifferentiableRasterizer.Rasterize(baseVertices, faces, Cameras[..2], size, size))
            pool = candidates(fragments).Distinct().Order().ToArray();
        var rng = new Random(11);
        var picked = pool.OrderBy(_ => rng.Next()).Take(coordinates).ToArray();
        const double step = 1e-6;
        int compared = 0, skipped = 0;
        double worst = 0, largest = 0;
        var original = baseVertices.data<double>().ToArray();
        foreach (int k in picked)
        {
            double Eval(double delta, out long[] seen)
            {
                var moved = (double[])original.Clone();
                moved[k] += delta;
                var (l, s) = ImageLoss(torch.tensor(moved, baseVertices.shape), faces, colorsOf(attributes), weight, antialias, size);
                seen = s;
                return l.item<double>();
            }
            double plus = Eval(step, out var idsPlus), minus = Eval(-step, out var idsMinus);
            if (!idsPlus.SequenceEqual(ids) || !idsMinus.SequenceEqual(ids)) { skipped++; continue; } // visibility changed
            double fd = (plus - minus) / (2 * step);
            worst = Math.Max(worst, Math.Abs(fd - grad[k]) / Math.Max(1, Math.Abs(fd)));
            largest = Math.Max(largest, Math.Abs(fd));
            compared++;
        }
        output.WriteLine($"{compared} vertex coordinates compared ({skipped} skipped: visibility changed), largest |dL/dx| {largest:F3}, " +
                         $"worst relative error {worst:E2}");
        Assert.True(compared >= coordinates * 3 / 4, $"only {compared} of {picked.Length} coordinates compared");
        Assert.True(largest > 0.1, "the gradient is too small to test");
        Assert.True(worst < 1e-5, $"worst relative gradient error {worst}");

        // The loss is linear in the colours, so a few of their finite differences must agree as closely.
        var attrs = attributes.data<double>().ToArray();
        foreach (int k in new[] { 0, 7, attrs.Length / 2, attrs.Length - 1 })
        {
            double Eval(double delta)
            {
                var moved = (double[])attrs.Clone();
                moved[k] += delta;
                var colors = colorsOf(torch.tensor(moved, attributes.shape));
                return ImageLoss(baseVertices, faces, colors, weight, antialias, size).Loss.item<double>();
            }
            double fd = (Eval(1e-3) - Eval(-1e-3)) / 2e-3;
            Assert.True(Math.Abs(fd - attributeGrad[k]) < 1e-8 * Math.Max(1, Math.Abs(fd)), $"colour {k}: {attributeGrad[k]} vs {fd}");
        }
    }

    /// <summary>Vertex coordinates (3v + axis) of the faces seen at some pixel.</summary>
    private static IEnumerable<int> VisibleCoordinates(RasterFragments fragments) =>
        fragments.PixelCorners.data<long>().ToArray().SelectMany(v => new[] { 3 * (int)v, 3 * (int)v + 1, 3 * (int)v + 2 });

    /// <summary>Vertex coordinates of the silhouette edges that antialiasing blends across.</summary>
    private static IEnumerable<int> SilhouetteCoordinates(RasterFragments fragments)
    {
        var edges = AntialiasAnalysis.Find(fragments.Visibility, fragments.Visibility.Adjacency);
        int v = fragments.Visibility.VertexCount;
        return edges.VertexA.Concat(edges.VertexB).SelectMany(x => new[] { 3 * (int)(x % v), 3 * (int)(x % v) + 1, 3 * (int)(x % v) + 2 });
    }

    [Fact]
    public void InteriorGradientsMatchFiniteDifferences() =>
        CheckGradients(Ball(10), c => c, antialias: false, VisibleCoordinates, coordinates: 40);

    [Fact]
    public void AntialiasedGradientsMatchFiniteDifferences() =>
        CheckGradients(Ball(10), c => c, antialias: true, SilhouetteCoordinates, coordinates: 40);

    [Fact]
    public void SilhouetteGradientsOfAPlainColourComeOnlyFromAntialiasing()
    {
        // One colour everywhere on the mesh: interior pixels do not change as vertices move, the silhouette does.
        var mesh = Ball(10);
        CheckGradients(mesh, c => c.Times(0).Plus(0.75), antialias: true, SilhouetteCoordinates, coordinates: 40);
        var vertices = Vertices(mesh, ScalarType.Float64).requires_grad_(true);
        var colors = torch.full(new long[] { mesh.VertexCount, 1 }, Scalars.Of(1.0), ScalarType.Float64);
        ImageLoss(vertices, Faces(mesh), colors, torch.ones(2, 32, 32, 1, ScalarType.Float64), antialias: false, 32).Loss.backward();
        Assert.All(vertices.grad!.data<double>().ToArray(), g => Assert.True(Math.Abs(g) < 1e-9));
    }

    [Fact]
    public void AntialiasedCoverageMeasuresTheProjectedArea()
    {
        // A triangle facing the camera: its exact area on screen against the pixel count and the antialiased coverage.
        var cam = new Camera(0, 0, 2, 40);
        const int size = 64;
        var mesh = new Mesh([0, -0.55f, -0.4f, 0, 0.5f, -0.25f, 0, -0.1f, 0.6f], [0, 1, 2]);
        using var fragments = DifferentiableRasterizer.Rasterize(Vertices(mesh, ScalarType.Float64), Faces(mesh), [cam], size, size);
        var coverage = fragments.Coverage();
        var smooth = DifferentiableRasterizer.Antialias(coverage, fragments);
        var view = new RasterView(cam, size, size);
        var p = Enumerable.Range(0, 3).Select(v => view.Project(view.ToCamera(mesh.Position(v)))).ToArray();
        double area = Math.Abs(TriangleSetup.Edge(p[0], p[1], p[2])) / 2;
        double hard = coverage.sum().item<double>(), soft = smooth.sum().item<double>();
        output.WriteLine($"area {area:F2} px^2, covered pixels {hard}, antialiased coverage {soft:F2}");
        Assert.True(Math.Abs(soft - area) < 0.25 * Math.Abs(hard - area) && Math.Abs(soft - area) < 3, $"area {area}, {hard}, {soft}");
        var values = smooth.data<double>().ToArray();
        Assert.All(values, v => Assert.InRange(v, 0, 1));
        Assert.Contains(values, v => v is > 0.05 and < 0.95);
    }

    [Fact]
    public void NormalsShadeAsTheMeshRasterizer()
    {
        var l = Lighting.Default;
        var sphere = Ball(32);
        var colors = Enumerable.Range(0, sphere.VertexCount).SelectMany(v => new[] { 0.9f, 0.2f + 0.6f * (v % 7) / 7f, 0.4f }).ToArray();
        // A block without stored normals (flat shading), and the same block turned inside out (lit from behind, two-sided).
        var block = new Mesh(Block(20).Positions, Block(20).Indices);
        var inside = new Mesh(block.Positions, block.Indices.Chunk(3).SelectMany(t => new[] { t[0], t[2], t[1] }).ToArray());
        foreach (var mesh in new[] { sphere.WithColors(colors), block, inside })
        {
            var cams = Cameras[..2];
            const int size = 48;
            var vertices = Vertices(mesh);
            var faces = Faces(mesh);
            using var fragments = DifferentiableRasterizer.Rasterize(vertices, faces, cams, size, size);
            var vertexNormals = mesh.Normals == null ? null : torch.tensor(mesh.UnitNormalsForExport(), new long[] { mesh.VertexCount, 3 });
            var normals = RasterNormals.Pixels(fragments, vertices, faces, vertexNormals).reshape(-1, 3);
            var vertexColors = torch.tensor(mesh.Colors, new long[] { mesh.VertexCount, 3 });
            var albedo = DifferentiableRasterizer.Interpolate(vertexColors, fragments).reshape(-1, 3);
            var mask = fragments.Coverage().reshape(-1, 1);
            var rgb = (l.Shade(albedo, normals, ShadingMode.Diffuse).clamp(Scalars.Of(0), Scalars.One) * mask).Plus(mask.SubtractedFrom(1))
                .data<float>().ToArray();
            double worst = 0;
            for (int b = 0; b < cams.Length; b++)
            {
                var (image, _) = MeshRasterizer.Render(mesh, cams[b], size, size, l);
                for (int k = 0; k < image.Pixels.Length; k++)
                    worst = Math.Max(worst, Math.Abs(image.Pixels[k] - rgb[b * image.Pixels.Length + k]));
            }
            output.WriteLine($"{mesh.TriangleCount} triangles, vertex normals {mesh.Normals != null}: " +
                             $"largest colour difference {worst:E1}");
            Assert.True(worst < 1e-4, $"colours differ by {worst}");
        }
    }

    [Fact]
    public void FaceAndVertexNormalsAreTheMeshs()
    {
        var mesh = Ball(12);
        var faceNormals = RasterNormals.Faces(Vertices(mesh), Faces(mesh)).data<float>().ToArray();
        var vertexNormals = RasterNormals.Vertices(Vertices(mesh), Faces(mesh)).data<float>().ToArray();
        var expected = mesh.ComputeVertexNormals();
        for (int k = 0; k < expected.Length; k++) Assert.Equal(expected[k], vertexNormals[k], 1e-5f);
        for (int f = 0; f < mesh.TriangleCount; f++)
        {
            var n = Vector3.Normalize(mesh.FaceNormal(f));
            Assert.True((n - new Vector3(faceNormals[3 * f], faceNormals[3 * f + 1], faceNormals[3 * f + 2])).Length() < 1e-5f);
        }
    }

    [Fact]
    public void BatchedAttributesAreEachCamerasOwn()
    {
        var mesh = Ball(16);
        var vertices = Vertices(mesh, ScalarType.Float64);
        using var fragments = DifferentiableRasterizer.Rasterize(vertices, Faces(mesh), Cameras[..2], 24, 20);
        var perCamera = torch.stack([vertices, vertices.Times(2)], 0);
        var batched = DifferentiableRasterizer.Interpolate(perCamera, fragments);
        var shared = DifferentiableRasterizer.Interpolate(vertices, fragments);
        Assert.Equal(new long[] { 2, 24, 20, 3 }, batched.shape);
        Assert.True(torch.allclose(batched[0], shared[0]) && torch.allclose(batched[1], shared[1].Times(2)));
        // Each camera of a batch sees what it sees alone.
        for (int b = 0; b < 2; b++)
        {
            using var single = DifferentiableRasterizer.Rasterize(vertices, Faces(mesh), [Cameras[b]], 24, 20);
            Assert.Equal(single.TriangleId[0].data<long>().ToArray(), fragments.TriangleId[b].data<long>().ToArray());
            Assert.True(torch.allclose(single.Barycentrics[0], fragments.Barycentrics[b]));
        }
    }

    [Fact]
    public void EmptyViewsAndBadArguments()
    {
        var mesh = Ball(8);
        var inside = new Camera(0, 180, 0.05, 40); // inside the ball, looking out at its faces
        // the ball moved far off: no pixel sees it
        using var nothing = DifferentiableRasterizer.Rasterize(Vertices(mesh).Plus(100), Faces(mesh), [Cameras[0]], 8, 8);
        Assert.Equal(-1, nothing.TriangleId.max().item<long>());
        Assert.Equal(0, DifferentiableRasterizer.Interpolate(Vertices(mesh), nothing).abs().sum().item<float>());
        var image = torch.rand(1, 8, 8, 3);
        Assert.Equal(image.data<float>().ToArray(), DifferentiableRasterizer.Antialias(image, nothing).data<float>().ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => DifferentiableRasterizer.Rasterize(Vertices(mesh), Faces(mesh), [inside], 0, 8));
        Assert.Throws<ArgumentException>(() => DifferentiableRasterizer.Rasterize(Vertices(mesh), Faces(mesh), [], 8, 8));
        Assert.Throws<ArgumentException>(() =>
            DifferentiableRasterizer.Rasterize(Vertices(mesh), Faces(mesh).Plus(mesh.VertexCount), [inside], 8, 8));
        Assert.Throws<ArgumentException>(() =>
            DifferentiableRasterizer.Rasterize(Vertices(mesh).to(ScalarType.Float16), Faces(mesh), [inside], 8, 8));
        using var fragments = DifferentiableRasterizer.Rasterize(Vertices(mesh), Faces(mesh), [inside], 8, 8);
        Assert.Throws<ArgumentException>(() => DifferentiableRasterizer.Interpolate(torch.zeros(3, 3), fragments));
        Assert.Throws<ArgumentException>(() => DifferentiableRasterizer.Antialias(torch.zeros(1, 8, 9, 3), fragments));
    }

    [Fact]
    public void CudaTensorsGiveTheCpuResult()
    {
        if (!torch.cuda.is_available())
        {
            output.WriteLine("no CUDA device in this build: nothing to compare");
            return;
        }
        var mesh = Ball(16);
        var cuda = torch.CUDA;
        Tensor Render(Device device, out Tensor grad)
        {
            var vertices = Vertices(mesh, ScalarType.Float64).to(device).requires_grad_(true);
            using var fragments = DifferentiableRasterizer.Rasterize(vertices, Faces(mesh).to(device), Cameras[..2], 32, 32);
            var image = DifferentiableRasterizer.Antialias(DifferentiableRasterizer.Interpolate(vertices, fragments), fragments);
            image.sum().backward();
            grad = vertices.grad!.cpu();
            return image.cpu();
        }
        var cpu = Render(torch.CPU, out var cpuGrad);
        var gpu = Render(cuda, out var gpuGrad);
        Assert.True(torch.allclose(cpu, gpu, 1e-9, 1e-9));
        Assert.True(torch.allclose(cpuGrad, gpuGrad, 1e-9, 1e-9));
    }
}
