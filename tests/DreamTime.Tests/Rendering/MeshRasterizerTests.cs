using System.Numerics;
using DreamTime.Geometry;
using DreamTime.Imaging;
using DreamTime.Rendering;
using DreamTime.Scenes;
using DreamTime.Tests.Geometry;
using Xunit;
using Xunit.Abstractions;

namespace DreamTime.Tests.Rendering;

public class MeshRasterizerTests(ITestOutputHelper output)
{
    private static Mesh Sphere(Vector3 center, float radius, int n, Vector3? color = null)
    {
        var mesh = MarchingCubes.Extract(TestShapes.SampleGrid(n, TestShapes.UnitBounds, TestShapes.Ball(center, radius)), n, n, n,
            TestShapes.UnitBounds, 0f);
        if (color is not { } c) return mesh;
        var colors = new float[mesh.Positions.Length];
        for (int v = 0; v < mesh.VertexCount; v++) { colors[3 * v] = c.X; colors[3 * v + 1] = c.Y; colors[3 * v + 2] = c.Z; }
        return mesh.WithColors(colors);
    }

    /// <summary>An axis-aligned box with four vertices per side (flat faces), wound counter-clockwise from outside, no normals.</summary>
    private static Mesh Box(Vector3 center, Vector3 half, Vector3 color)
    {
        var positions = new List<float>();
        var indices = new List<int>();
        for (int axis = 0; axis < 3; axis++)
            for (int sign = -1; sign <= 1; sign += 2)
            {
                var n = Unit(axis) * sign;
                var (u, v) = sign > 0 ? (Unit((axis + 1) % 3), Unit((axis + 2) % 3)) : (Unit((axis + 2) % 3), Unit((axis + 1) % 3));
                int first = positions.Count / 3;
                foreach (var (su, sv) in new[] { (-1, -1), (1, -1), (1, 1), (-1, 1) })
                {
                    var p = center + half * (n + su * u + sv * v);
                    positions.AddRange([p.X, p.Y, p.Z]);
                }
                indices.AddRange([first, first + 1, first + 2, first, first + 2, first + 3]);
            }
        var colors = Enumerable.Range(0, positions.Count).Select(i =>
            (i % 3) switch { 0 => color.X, 1 => color.Y, _ => color.Z }).ToArray();
        return new Mesh(positions.ToArray(), indices.ToArray(), colors);
    }

    private static Vector3 Unit(int axis) => axis switch { 0 => Vector3.UnitX, 1 => Vector3.UnitY, _ => Vector3.UnitZ };

    /// <summary>A quad on the plane z = height spanning [-extent, extent]^2, coloured by position: r = (x+e)/2e, g = (y+e)/2e, b =
    /// 0.5.</summary>
    private static Mesh ColourRampQuad(float extent, float height)
    {
        var corners = new[] { (-1, -1), (1, -1), (1, 1), (-1, 1) };
        var positions = corners.SelectMany(c => new[] { c.Item1 * extent, c.Item2 * extent, height }).ToArray();
        var colors = corners.SelectMany(c => new[] { (c.Item1 + 1) / 2f, (c.Item2 + 1) / 2f, 0.5f }).ToArray();
        return new Mesh(positions, [0, 1, 2, 0, 2, 3], colors);
    }

    private static readonly Lighting Unlit = Lighting.Create(1, 0, 0, 0, 1);

    private static double Iou(float[] a, float[] b)
    {
        int inter = 0, union = 0;
        for (int i = 0; i < a.Length; i++)
        {
            bool x = a[i] > 0.5f, y = b[i] > 0.5f;
            if (x && y) inter++;
            if (x || y) union++;
        }
        return union == 0 ? 1 : (double)inter / union;
    }

    private static Vector3 Pixel(RgbImage img, int i, int j)
    {
        int k = (i * img.Width + j) * 3;
        return new Vector3(img.Pixels[k], img.Pixels[k + 1], img.Pixels[k + 2]);
    }

    [Fact]
    public void SphereCoversTheProjectedDisk()
    {
        const float r = 0.6f;
        const int size = 128;
        var cam = new Camera(20, 30, 2.5, 40);
        var (_, mask) = MeshRasterizer.Render(Sphere(Vector3.Zero, r, 64), cam, size, size);
        double f = 0.5 * size / Math.Tan(20 * Math.PI / 180);
        double radius = f * r / Math.Sqrt(2.5 * 2.5 - r * r);
        var disk = new float[size * size];
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++)
            {
                double x = j + 0.5 - size / 2.0, y = i + 0.5 - size / 2.0;
                disk[i * size + j] = x * x + y * y <= radius * radius ? 1 : 0;
            }
        double iou = Iou(mask, disk);
        output.WriteLine($"projected radius {radius:F2} px, mask area {mask.Sum()} vs disk {disk.Sum()}, IoU {iou:F4}");
        Assert.All(mask, m => Assert.True(m == 0 || m == 1));
        Assert.True(iou > 0.97, $"IoU {iou}");
    }

    [Fact]
    public void CentrePixelHasTheShadingOfTheNormalFacingTheCamera()
    {
        var color = new Vector3(0.9f, 0.5f, 0.2f);
        var sphere = Sphere(Vector3.Zero, 0.6f, 64, color);
        // Odd size: the centre pixel's ray passes through the sphere's centre. The last view is lit only by the ambient term.
        foreach (var cam in new[] { new Camera(20, 30, 2.5, 40), new Camera(50, -120, 3, 30), new Camera(-10, 200, 2.2, 45) })
        {
            var (image, mask) = MeshRasterizer.Render(sphere, cam, 129, 129);
            var (px, py, pz) = cam.Position;
            var n = Vector3.Normalize(new Vector3((float)px, (float)py, (float)pz));
            var l = Lighting.Default;
            var expected = color * (float)(l.Ambient + l.Diffuse * Math.Max(0, n.X * l.DirX + n.Y * l.DirY + n.Z * l.DirZ));
            var got = Pixel(image, 64, 64);
            output.WriteLine($"{cam}: centre {got} expected {expected}");
            Assert.Equal(1f, mask[64 * 129 + 64]);
            Assert.True((got - expected).Length() < 0.01f, $"{cam}: centre {got} expected {expected}");
        }
    }

    [Fact]
    public void NearerBoxHidesTheFartherOne()
    {
        // The camera sits on +x looking at the origin; red is nearer, blue bigger and behind it.
        var red = Box(new Vector3(0.5f, 0, 0), new Vector3(0.2f), new Vector3(1, 0, 0));
        var blue = Box(new Vector3(-0.5f, 0, 0), new Vector3(0.6f), new Vector3(0, 0, 1));
        var cam = new Camera(0, 0, 3, 40);
        const int size = 64;
        foreach (var (first, second) in new[] { (red, blue), (blue, red) })
        {
            var both = Concat(first, second);
            var (image, mask) = MeshRasterizer.Render(both, cam, size, size);
            var centre = Pixel(image, size / 2, size / 2);
            Assert.True(centre.X > 0.3f && centre.Y == 0 && centre.Z == 0, $"centre {centre} should be red");
            // A pixel that sees only the blue box: its left part, beyond the red box's silhouette.
            var side = Pixel(image, size / 2, size / 2 - 12);
            Assert.True(side.Z > 0.3f && side.X == 0 && side.Y == 0, $"side {side} should be blue");
            Assert.Equal(1f, mask[size / 2 * size + size / 2 - 12]);
            Assert.Equal(0f, mask[0]);
            Assert.Equal(new Vector3(1), Pixel(image, 0, 0));
        }
    }

    private static Mesh Concat(Mesh a, Mesh b) =>
        new([.. a.Positions, .. b.Positions], [.. a.Indices, .. b.Indices.Select(i => i + a.VertexCount)], [.. a.Colors, .. b.Colors]);

    [Fact]
    public void EmptyMeshGivesAWhiteImageAndAnEmptyMask()
    {
        var cam = new Camera(30, 45, 2.5, 40);
        foreach (var mesh in new[] { Mesh.Empty, new Mesh([0, 0, 0, 1, 0, 0, 0, 1, 0], []) })
        {
            var (image, mask) = MeshRasterizer.Render(mesh, cam, 24, 32, supersample: 2);
            Assert.Equal(24, image.Height);
            Assert.Equal(32, image.Width);
            Assert.All(image.Pixels, p => Assert.Equal(1f, p));
            Assert.Equal(24 * 32, mask.Length);
            Assert.All(mask, m => Assert.Equal(0f, m));
        }
    }

    [Fact]
    public void MatchesTheBuiltInPriorsRenderOfTheSameSphere()
    {
        // Off-centre so a misplaced principal point or flipped axis would show.
        var center = new Vector3(0.2f, -0.15f, 0.1f);
        var albedo = new Vector3(0.3f, 0.6f, 0.9f);
        const float r = 0.45f;
        const int size = 96;
        var scene = new PriorScene([Primitive.Create(PrimitiveKind.Sphere, center, albedo, r)]);
        var mesh = Sphere(center, r, 72, albedo);
        foreach (var cam in new[] { new Camera(25, 40, 2.2, 45), new Camera(-15, 160, 2.8, 35) })
        {
            var prior = new SdfRenderer().Render(scene, cam, size, size);
            var (image, mask) = MeshRasterizer.Render(mesh, cam, size, size);
            double iou = Iou(mask, prior.Mask);
            double colourError = 0;
            int both = 0;
            for (int p = 0; p < size * size; p++)
            {
                if (mask[p] == 0 || prior.Mask[p] == 0) continue;
                both++;
                for (int c = 0; c < 3; c++) colourError += Math.Abs(image.Pixels[3 * p + c] - prior.Rgb[3 * p + c]);
            }
            colourError /= 3 * both;
            output.WriteLine($"{cam}: mask IoU {iou:F4}, mean colour difference {colourError:F4} over {both} pixels");
            Assert.True(iou > 0.95, $"{cam}: IoU {iou}");
            Assert.True(colourError < 0.01, $"{cam}: mean colour difference {colourError}");
        }
    }

    [Fact]
    public void ColoursArePerspectiveCorrect()
    {
        // Colour is linear in position on the plane, so every pixel must show the colour at its ray's hit point;
        // interpolating in screen space instead would be off by up to ~0.2 at this grazing angle.
        const float extent = 1;
        var cam = new Camera(15, 20, 2.5, 50);
        const int size = 64;
        var (image, mask) = MeshRasterizer.Render(ColourRampQuad(extent, 0), cam, size, size, Unlit);
        var (o, d) = cam.Rays(size, size);
        int checkedPixels = 0;
        double worst = 0;
        for (int p = 0; p < size * size; p++)
        {
            float t = -o[3 * p + 2] / d[3 * p + 2];
            float x = o[3 * p] + t * d[3 * p], y = o[3 * p + 1] + t * d[3 * p + 1];
            float edge = MathF.Max(MathF.Abs(x), MathF.Abs(y));
            bool hit = t > 0 && edge < extent;
            if (t > 0 && MathF.Abs(edge - extent) < 0.02f) continue; // on the quad's border
            Assert.Equal(hit ? 1f : 0f, mask[p]);
            if (!hit) continue;
            checkedPixels++;
            var expected = new Vector3((x + extent) / (2 * extent), (y + extent) / (2 * extent), 0.5f);
            worst = Math.Max(worst, (Pixel(image, p / size, p % size) - expected).Length());
        }
        output.WriteLine($"{checkedPixels} pixels, worst colour error {worst:E2}");
        Assert.True(checkedPixels > 500);
        Assert.True(worst < 2e-3, $"worst colour error {worst}");
    }

    [Fact]
    public void GeometryBehindTheCameraIsClipped()
    {
        // A large floor that passes under and behind the camera: only rays that go down may see it.
        const float extent = 50, height = -0.3f;
        var cam = new Camera(10, 0, 2, 60);
        const int size = 64;
        var (image, mask) = MeshRasterizer.Render(ColourRampQuad(extent, height), cam, size, size, Unlit);
        var (o, d) = cam.Rays(size, size);
        int floor = 0, sky = 0;
        double worst = 0;
        for (int p = 0; p < size * size; p++)
        {
            float t = (height - o[3 * p + 2]) / d[3 * p + 2];
            float x = o[3 * p] + t * d[3 * p], y = o[3 * p + 1] + t * d[3 * p + 1];
            float edge = MathF.Max(MathF.Abs(x), MathF.Abs(y));
            bool hit = t > 0 && edge < extent;
            if (t > 0 && MathF.Abs(edge - extent) < 1f) continue; // near the far border, at the horizon
            Assert.True((hit ? 1f : 0f) == mask[p],
                $"pixel ({p / size},{p % size}): mask {mask[p]}, ray {(hit ? "hits" : "misses")} the floor");
            if (!hit) { sky++; continue; }
            floor++;
            var expected = new Vector3((x + extent) / (2 * extent), (y + extent) / (2 * extent), 0.5f);
            worst = Math.Max(worst, (Pixel(image, p / size, p % size) - expected).Length());
        }
        output.WriteLine($"{floor} floor pixels, {sky} sky pixels, worst colour error {worst:E2}");
        Assert.True(floor > 1000 && sky > 1000);
        Assert.True(worst < 2e-3, $"worst colour error {worst}");
    }

    [Fact]
    public void FaceNormalsWithoutVertexNormalsAndTwoSidedLighting()
    {
        // A square in the plane x = 0 facing the camera on +x; light and colour as in the prior.
        var color = new Vector3(0.7f, 0.4f, 0.9f);
        float[] positions = [0, -0.5f, -0.5f, 0, 0.5f, -0.5f, 0, 0.5f, 0.5f, 0, -0.5f, 0.5f];
        var colors = Enumerable.Range(0, 12).Select(i => i % 3 == 0 ? color.X : i % 3 == 1 ? color.Y : color.Z).ToArray();
        var cam = new Camera(0, 0, 2, 40);
        var l = Lighting.Default;
        Vector3 Shade(Vector3 n) => color * (float)(l.Ambient + l.Diffuse * Math.Max(0, n.X * l.DirX + n.Y * l.DirY + n.Z * l.DirZ));

        var facing = new Mesh(positions, [0, 1, 2, 0, 2, 3], colors);
        var away = new Mesh(positions, [0, 2, 1, 0, 3, 2], colors);
        var tilted = new Mesh(positions, [0, 1, 2, 0, 2, 3], colors,
            Enumerable.Repeat(new[] { 0f, 0.6f, 0.8f }, 4).SelectMany(n => n).ToArray());
        Assert.True(Vector3.Dot(facing.FaceNormal(0), Vector3.UnitX) > 0);
        foreach (var (mesh, expected) in new[] { (facing, Shade(Vector3.UnitX)), (away, Shade(Vector3.UnitX)),
            (tilted, Shade(new Vector3(0, 0.6f, 0.8f))) })
        {
            var (image, mask) = MeshRasterizer.Render(mesh, cam, 32, 32);
            Assert.Equal(1f, mask[16 * 32 + 16]);
            Assert.True((Pixel(image, 16, 16) - expected).Length() < 1e-5f, $"{Pixel(image, 16, 16)} expected {expected}");
        }
    }

    [Fact]
    public void SupersamplingAveragesTheTwiceFinerRender()
    {
        var mesh = Sphere(new Vector3(0.1f, 0, -0.05f), 0.5f, 48, new Vector3(0.8f, 0.3f, 0.3f));
        var cam = new Camera(30, 60, 2.4, 40);
        const int size = 40;
        var (coarse, coarseMask) = MeshRasterizer.Render(mesh, cam, size, size, supersample: 2);
        var (fine, fineMask) = MeshRasterizer.Render(mesh, cam, 2 * size, 2 * size);
        int partial = 0;
        for (int i = 0; i < size; i++)
            for (int j = 0; j < size; j++)
            {
                float m = 0;
                var rgb = Vector3.Zero;
                for (int di = 0; di < 2; di++)
                    for (int dj = 0; dj < 2; dj++)
                    {
                        m += fineMask[(2 * i + di) * 2 * size + 2 * j + dj];
                        rgb += Pixel(fine, 2 * i + di, 2 * j + dj);
                    }
                Assert.Equal(m / 4, coarseMask[i * size + j]);
                Assert.True((Pixel(coarse, i, j) - rgb / 4).Length() < 1e-5f);
                if (m is > 0 and < 4) partial++;
            }
        Assert.True(partial > 20, $"{partial} edge pixels");
    }

    [Fact]
    public void TurnaroundTilesTheViews()
    {
        var mesh = Box(Vector3.Zero, new Vector3(0.4f, 0.3f, 0.2f), new Vector3(0.2f, 0.7f, 0.4f));
        var cameras = new[] { new Camera(20, 0, 2.5, 40), new Camera(20, 90, 2.5, 40), new Camera(20, 180, 2.5, 40) };
        const int size = 40, gap = 2;
        var sheet = MeshRasterizer.Turnaround(mesh, cameras, size);
        Assert.Equal(size + 2 * gap, sheet.Height);
        Assert.Equal(3 * size + 4 * gap, sheet.Width);
        for (int v = 0; v < cameras.Length; v++)
        {
            var view = MeshRasterizer.Render(mesh, cameras[v], size, size, supersample: 2).Image;
            for (int i = 0; i < size; i++)
                for (int j = 0; j < size; j++)
                    Assert.Equal(Pixel(view, i, j), Pixel(sheet, gap + i, gap + v * (size + gap) + j));
        }
        Assert.Throws<ArgumentException>(() => MeshRasterizer.Turnaround(mesh, [], size));
    }

    [Fact]
    public void FiftyThousandTrianglesAt256()
    {
        // speed is `dreamtime benchmark rasterize`'s business: a timing bound here fails on a loaded machine
        var mesh = Sphere(new Vector3(0.03f, -0.02f, 0.01f), 0.8f, 100);
        var cam = new Camera(20, 30, 2.5, 40);
        var (_, mask) = MeshRasterizer.Render(mesh, cam, 256, 256);
        Assert.True(mesh.TriangleCount >= 50_000, $"{mesh.TriangleCount} triangles");
        Assert.True(mask.Sum() > 10_000);
    }

    [Fact]
    public void RejectsBadArguments()
    {
        var cam = new Camera(20, 30, 2.5, 40);
        Assert.Throws<ArgumentOutOfRangeException>(() => MeshRasterizer.Render(Mesh.Empty, cam, 0, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => MeshRasterizer.Render(Mesh.Empty, cam, 8, 8, supersample: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MeshRasterizer.Render(Mesh.Empty, cam, 8, 8, supersample: 5));
    }
}
