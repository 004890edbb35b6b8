using System.Numerics;
using DreamTime.Evaluation;
using DreamTime.Geometry;
using DreamTime.Rendering;
using DreamTime.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace DreamTime.Tests.Geometry;

public sealed class TextureBakerTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dreamtime-bake-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly UvUnwrapOptions Atlas = new() { Resolution = 256 };

    private static Vector3 At(float[] xyz, int i) => new(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]);

    [Fact]
    public void LinearColourIsExactUnderBilinearFilteringUpToChartBorders()
    {
        // Planar charts and a colour linear in position: covered texels hold it at their centres, texels just outside
        // a chart hold it extended in the chart's plane, so bilinear filtering reproduces it everywhere on the chart,
        // its corners included. Dilation alone would miss by about the colour change over half a texel (~3e-3 here).
        var cube = AtlasShapes.Cube(3, 0.5f);
        var baked = TextureBaker.Bake(UvUnwrap.Unwrap(cube, Atlas), (points, _) => AtlasShapes.PositionColours(points));
        var texture = baked.BaseColor!;
        Assert.Equal(256, texture.Width);
        Assert.Null(baked.MetallicRoughness);
        var random = new Random(3);
        double worst = 0;
        for (int f = 0; f < baked.TriangleCount; f++)
        {
            var (a, b, c) = baked.Triangle(f);
            foreach (var w in new[] { Vector3.UnitX, Vector3.UnitY, Vector3.UnitZ, Random(random), Random(random) })
            {
                var p = w.X * baked.Position(a) + w.Y * baked.Position(b) + w.Z * baked.Position(c);
                var uv = w.X * baked.Uv(a) + w.Y * baked.Uv(b) + w.Z * baked.Uv(c);
                var expected = (p + Vector3.One) / 2;
                worst = Math.Max(worst, (TextureFilter.Bilinear(texture, uv) - expected).Length());
            }
        }
        Assert.True(worst < 1e-4, $"largest error {worst}");
    }

    private static Vector3 Random(Random random)
    {
        var w = new Vector3(random.NextSingle(), random.NextSingle(), random.NextSingle());
        return w / (w.X + w.Y + w.Z);
    }

    [Fact]
    public void TexelsAroundEachChartHoldThatChartsColour()
    {
        // Colour from the normal of a cube whose corners are not shared (so normals are face normals): one colour per
        // face. The texels a bilinear look-up on a chart can read (the covered ones and their 8 neighbours) must all
        // hold that chart's colour, never a neighbour chart's or the background's.
        var atlas = UvUnwrap.Unwrap(AtlasShapes.Soup(AtlasShapes.Cube(2, 0.5f)), Atlas);
        Assert.Equal(6, atlas.ChartCount);
        var baked = TextureBaker.Bake(atlas, (_, normals) => normals.Select(n => (n + 1) / 2).ToArray(),
            options: new TextureBakeOptions { Dilation = 1 });
        var texture = baked.BaseColor!;
        int r = texture.Width, checkedTexels = 0;
        for (int f = 0; f < baked.TriangleCount; f++)
        {
            var (a, b, c) = baked.Triangle(f);
            var colour = (baked.Normal(a) + Vector3.One) / 2;
            Vector2 p0 = baked.Uv(a) * r, p1 = baked.Uv(b) * r, p2 = baked.Uv(c) * r;
            var min = Vector2.Min(p0, Vector2.Min(p1, p2));
            var max = Vector2.Max(p0, Vector2.Max(p1, p2));
            for (int i = (int)min.Y - 1; i <= (int)max.Y + 1; i++)
                for (int j = (int)min.X - 1; j <= (int)max.X + 1; j++)
                {
                    if (!Inside(p0, p1, p2, new Vector2(j + 0.5f, i + 0.5f))) continue;
                    for (int y = i - 1; y <= i + 1; y++)
                        for (int x = j - 1; x <= j + 1; x++)
                        {
                            var texel = At(texture.Pixels, y * r + x);
                            Assert.True((texel - colour).Length() < 1e-6f, $"texel ({x}, {y}) = {texel}, chart colour {colour}");
                            checkedTexels++;
                        }
                }
        }
        Assert.True(checkedTexels > 6 * 9 * 100, $"{checkedTexels} texels checked");
    }

    private static bool Inside(Vector2 a, Vector2 b, Vector2 c, Vector2 p)
    {
        float Edge(Vector2 u, Vector2 v) => (v.X - u.X) * (p.Y - u.Y) - (v.Y - u.Y) * (p.X - u.X);
        float e0 = Edge(b, c), e1 = Edge(c, a), e2 = Edge(a, b);
        return (e0 >= 0 && e1 >= 0 && e2 >= 0) || (e0 <= 0 && e1 <= 0 && e2 <= 0);
    }

    [Fact]
    public void DilationFillsOneRingPerRoundAndTheRestWithTheMean()
    {
        int r = 32;
        var pixels = new float[3 * r * r];
        var filled = new bool[r * r];
        void Seed(int x, int y, Vector3 colour)
        {
            filled[y * r + x] = true;
            pixels[3 * (y * r + x)] = colour.X; pixels[3 * (y * r + x) + 1] = colour.Y; pixels[3 * (y * r + x) + 2] = colour.Z;
        }
        var red = new Vector3(1, 0, 0);
        var blue = new Vector3(0, 0, 1);
        Seed(5, 5, red);
        Seed(25, 24, blue);
        TexturePadding.Pad(pixels, filled, r, rounds: 3);
        for (int y = 0; y < r; y++)
            for (int x = 0; x < r; x++)
            {
                int toRed = Math.Max(Math.Abs(x - 5), Math.Abs(y - 5)), toBlue = Math.Max(Math.Abs(x - 25), Math.Abs(y - 24));
                var expected = toRed <= 3 ? red : toBlue <= 3 ? blue : (red + blue) / 2;
                Assert.Equal(expected, At(pixels, y * r + x));
            }
    }

    [Fact]
    public void RoughnessAndMetallicGoToGreenAndBlue()
    {
        var atlas = UvUnwrap.Unwrap(AtlasShapes.Cube(1, 0.5f), Atlas);
        var baked = TextureBaker.Bake(atlas, (p, _) => new float[p.Length],
            (p, _) => Enumerable.Range(0, p.Length / 3).SelectMany(_ => new[] { 0.25f, 0.75f }).ToArray());
        var mr = baked.MetallicRoughness!;
        for (int k = 0; k < mr.Width * mr.Height; k++) Assert.Equal(new Vector3(1, 0.25f, 0.75f), At(mr.Pixels, k));
    }

    [Fact]
    public void FunctionGetsBatchesOfPointsOnTheSurfaceWithUnitNormals()
    {
        var atlas = UvUnwrap.Unwrap(AtlasShapes.Cube(2, 0.5f), Atlas);
        var sizes = new List<int>();
        TextureBaker.Bake(atlas, (points, normals) =>
        {
            sizes.Add(points.Length / 3);
            Assert.Equal(points.Length, normals.Length);
            for (int i = 0; i < points.Length / 3; i++)
            {
                var p = At(points, i);
                // on the cube's surface, or within the 1.5-texel reach beyond a chart's border (texel ~1/80 here)
                float outside = Vector3.Max(Vector3.Abs(p) - new Vector3(0.5f), Vector3.Zero).Length();
                var toFaces = Vector3.Abs(Vector3.Abs(p) - new Vector3(0.5f));
                float onFace = MathF.Min(toFaces.X, MathF.Min(toFaces.Y, toFaces.Z));
                Assert.True(onFace < 1e-5f && outside < 0.03f, $"point {p}");
                Assert.True(MathF.Abs(At(normals, i).Length() - 1) < 1e-5f);
            }
            return new float[points.Length];
        }, options: new TextureBakeOptions { BatchSize = 1000 });
        Assert.True(sizes.Count > 1 && sizes.Take(sizes.Count - 1).All(s => s == 1000) && sizes[^1] <= 1000, string.Join(",", sizes));
    }

    [Fact]
    public void WrongNumberOfValuesIsAnError()
    {
        var atlas = UvUnwrap.Unwrap(AtlasShapes.Cube(1, 0.5f), Atlas);
        var e = Assert.Throws<InvalidOperationException>(() => TextureBaker.Bake(atlas, (p, _) => new float[p.Length + 1]));
        Assert.Contains("albedo", e.Message);
        Assert.Throws<UserError>(() => TextureBaker.Bake(atlas, (p, _) => p, options: new TextureBakeOptions { Dilation = -1 }));
    }

    /// <summary>
    /// The fidelity of the exported asset: renders of the baked, textured mesh against renders of the same mesh
    /// with the colour evaluated per vertex and blended per pixel (exact for a colour linear in position). The
    /// texture differs only where a texel's bilinear footprint spans a bend of the surface; there its error is at
    /// most the colour's change over one texel, |grad c| * texel = 0.5 * texel (world units, the longest a texel
    /// stretches on any triangle) per channel, so no pixel can be worse and the PSNR is at least
    /// 20 log10(1 / (0.5 * texel)). Written to a GLB, the 8-bit PNG adds up to half a step, 1/510.
    /// </summary>
    [Fact]
    public void BakedLinearColourRendersLikeTheVertexColouredMesh()
    {
        var ball = AtlasShapes.Ball(32, 0.6f);
        var atlas = UvUnwrap.Unwrap(ball, Atlas);
        // the same geometry, normals and triangle order as the textured mesh, with the colour at each vertex
        var perVertex = atlas.ToMesh(AtlasShapes.PositionColours(atlas.Positions));
        var baked = TextureBaker.Bake(atlas, (points, _) => AtlasShapes.PositionColours(points));
        var fromVertexColours = TextureBaker.BakeVertexColors(atlas, ball.WithColors(AtlasShapes.PositionColours(ball.Positions)));
        double texel = LongestTexel(baked);
        double bound = 20 * Math.Log10(1 / (0.5 * texel)), boundFile = 20 * Math.Log10(1 / (0.5 * texel + 1 / 510.0));
        var path = Path.Combine(_dir, "ball.glb");
        GlbWriter.Write(path, baked);
        var readBack = GlbReader.ReadTextured(path);
        foreach (var camera in new[] { new Camera(20, 30, 2.5, 40), new Camera(-30, 160, 2.5, 40), new Camera(60, 250, 2.2, 40) })
        {
            var (reference, referenceMask) = MeshRasterizer.Render(perVertex, camera, 128, 128);
            var (textured, mask) = MeshRasterizer.RenderTextured(baked, camera, 128, 128);
            Assert.Equal(referenceMask, mask);
            double psnr = ImageMetrics.Psnr(reference.Pixels, textured.Pixels);
            double psnrVertex = ImageMetrics.Psnr(reference.Pixels,
                MeshRasterizer.RenderTextured(fromVertexColours, camera, 128, 128).Image.Pixels);
            double psnrFile = ImageMetrics.Psnr(reference.Pixels, MeshRasterizer.RenderTextured(readBack, camera, 128, 128).Image.Pixels);
            output.WriteLine($"texel {texel:F4}, bounds {bound:F1} / {boundFile:F1} dB: baked {psnr:F1} dB, " +
                             $"from vertex colours {psnrVertex:F1} dB, from the GLB {psnrFile:F1} dB");
            Assert.True(psnr >= bound, $"PSNR {psnr:F1} dB < {bound:F1} dB");
            Assert.True(psnrVertex >= bound, $"vertex colours baked: PSNR {psnrVertex:F1} dB < {bound:F1} dB");
            Assert.True(psnrFile >= boundFile, $"through the GLB: PSNR {psnrFile:F1} dB < {boundFile:F1} dB");
        }
    }

    /// <summary>The longest world distance one texel spans along any triangle edge (projection shortens tilted ones).</summary>
    private static double LongestTexel(TexturedMesh mesh)
    {
        double longest = 0;
        for (int f = 0; f < mesh.TriangleCount; f++)
        {
            var (a, b, c) = mesh.Triangle(f);
            foreach (var (p, q) in new[] { (a, b), (b, c), (c, a) })
            {
                double texels = Vector2.Distance(mesh.Uv(p), mesh.Uv(q)) * mesh.AtlasResolution;
                if (texels > 1) longest = Math.Max(longest, Vector3.Distance(mesh.Position(p), mesh.Position(q)) / texels);
            }
        }
        return longest;
    }
}
