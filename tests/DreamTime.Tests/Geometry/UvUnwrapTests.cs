using System.Numerics;
using DreamTime.Geometry;
using DreamTime.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace DreamTime.Tests.Geometry;

public class UvUnwrapTests(ITestOutputHelper output)
{
    private static readonly UvUnwrapOptions Small = new() { Resolution = 256 };

    public static TheoryData<string> Shapes() => new(["cube", "ball", "helicoid"]);

    private static Mesh Shape(string name) => name switch
    {
        "cube" => AtlasShapes.Cube(4, 0.5f),
        "ball" => AtlasShapes.Ball(24, 0.6f),
        "helicoid" => AtlasShapes.Helicoid(2.5f, 0.05f, 120),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void UvsLieInTheTextureAwayFromItsBorder(string shape)
    {
        var atlas = UvUnwrap.Unwrap(Shape(shape), Small);
        // every chart keeps its gutter from the texture's border too
        float lo = Small.Gutter / (float)Small.Resolution, hi = 1 - lo;
        for (int i = 0; i < atlas.Uvs.Length; i++)
            Assert.True(atlas.Uvs[i] >= lo - 1e-6f && atlas.Uvs[i] <= hi + 1e-6f, $"uv component {i} = {atlas.Uvs[i]}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void NoTexelIsCoveredTwice(string shape)
    {
        var atlas = UvUnwrap.Unwrap(Shape(shape), Small);
        // Any two triangles, of one chart or of two: a chart must not fold onto itself either (the helicoid would).
        foreach (int n in new[] { Small.Resolution, 4 * Small.Resolution })
        {
            var conflicts = AtlasShapes.UvConflicts(atlas, n, (_, _) => true);
            Assert.True(conflicts.Count == 0, $"{n}x{n}: texel {conflicts.FirstOrDefault()} covered by two triangles");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ChartsKeepAGutterApart(string shape)
    {
        var atlas = UvUnwrap.Unwrap(Shape(shape), Small);
        var charts = atlas.FaceCharts!;
        // Each chart's texel bounds, grown by the gutter on every side, meet no other chart's bounds.
        var bounds = Enumerable.Range(0, atlas.ChartCount).Select(_ => (Min: new Vector2(float.MaxValue), Max: new Vector2(float.MinValue)))
            .ToArray();
        for (int f = 0; f < atlas.TriangleCount; f++)
        {
            var (a, b, c) = atlas.Triangle(f);
            foreach (int v in new[] { a, b, c })
            {
                var p = atlas.Uv(v) * Small.Resolution;
                bounds[charts[f]] = (Vector2.Min(bounds[charts[f]].Min, p), Vector2.Max(bounds[charts[f]].Max, p));
            }
        }
        float g = Small.Gutter;
        for (int i = 0; i < bounds.Length; i++)
            for (int j = i + 1; j < bounds.Length; j++)
            {
                bool apart = bounds[i].Max.X + 2 * g <= bounds[j].Min.X + 1e-3f || bounds[j].Max.X + 2 * g <= bounds[i].Min.X + 1e-3f
                    || bounds[i].Max.Y + 2 * g <= bounds[j].Min.Y + 1e-3f || bounds[j].Max.Y + 2 * g <= bounds[i].Min.Y + 1e-3f;
                Assert.True(apart, $"charts {i} {bounds[i]} and {j} {bounds[j]} are closer than twice the gutter");
            }
    }

    [Fact]
    public void CubeFacesAreSixChartsThatKeepTheirLengths()
    {
        var cube = AtlasShapes.Cube(4, 0.5f);
        var atlas = UvUnwrap.Unwrap(cube, Small);
        Assert.Equal(6, atlas.ChartCount);
        // Each face is planar and projected along its own normal: every edge's UV length / 3D length is one number,
        // the atlas's texel density, on all six charts.
        var ratios = new List<double>();
        for (int f = 0; f < atlas.TriangleCount; f++)
        {
            var (a, b, c) = atlas.Triangle(f);
            foreach (var (p, q) in new[] { (a, b), (b, c), (c, a) })
                ratios.Add(Vector2.Distance(atlas.Uv(p), atlas.Uv(q)) / (double)Vector3.Distance(atlas.Position(p), atlas.Position(q)));
        }
        double mean = ratios.Average();
        Assert.All(ratios, r => Assert.True(Math.Abs(r / mean - 1) < 1e-4, $"length ratio {r} vs mean {mean}"));
        // Six equal squares with gutters fill a good part of the texture: a 3 x 2 shelf of side ~1/3.
        Assert.InRange(mean, 0.25, 0.34);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SeamsDuplicateVerticesAndKeepEveryTriangle(string shape)
    {
        var mesh = Shape(shape);
        var atlas = UvUnwrap.Unwrap(mesh, Small);
        var source = atlas.SourceVertex!;
        Assert.Equal(mesh.TriangleCount, atlas.TriangleCount);
        for (int f = 0; f < mesh.TriangleCount; f++)
        {
            var (a, b, c) = atlas.Triangle(f);
            Assert.Equal(mesh.Triangle(f), (source[a], source[b], source[c]));
        }
        for (int v = 0; v < atlas.VertexCount; v++)
        {
            Assert.Equal(mesh.Position(source[v]), atlas.Position(v));
            Assert.True(MathF.Abs(atlas.Normal(v).Length() - 1) < 1e-5f);
        }
        // Within a chart a vertex exists once; every new vertex is used; every used old vertex has a copy.
        var copies = new Dictionary<(int Chart, int Source), int>();
        var used = new bool[atlas.VertexCount];
        for (int f = 0; f < atlas.TriangleCount; f++)
            foreach (int v in new[] { atlas.Indices[3 * f], atlas.Indices[3 * f + 1], atlas.Indices[3 * f + 2] })
            {
                used[v] = true;
                var key = (atlas.FaceCharts![f], source[v]);
                Assert.Equal(copies.GetValueOrDefault(key, v), v);
                copies[key] = v;
            }
        Assert.All(used, Assert.True);
        Assert.Equal(copies.Count, atlas.VertexCount);
        Assert.Equal(mesh.Indices.Distinct().Count(), source.Distinct().Count());
        output.WriteLine($"{shape}: {mesh.TriangleCount} triangles, {atlas.ChartCount} charts, " +
                         $"{mesh.VertexCount} -> {atlas.VertexCount} vertices");
    }

    [Fact]
    public void HelicoidIsCutWhereItWouldCoverItself()
    {
        // Its normals all lie within 3 degrees of z: one cone would hold it, but one projection would not.
        var atlas = UvUnwrap.Unwrap(AtlasShapes.Helicoid(2.5f, 0.05f, 120), Small);
        Assert.True(atlas.ChartCount >= 3, $"{atlas.ChartCount} charts for 2.5 turns");
    }

    [Fact]
    public void UnsharedVerticesStillFormChartsByPosition()
    {
        // The cube as a triangle soup: every corner its own vertex. Edges are matched by position, so six charts.
        Assert.Equal(6, UvUnwrap.Unwrap(AtlasShapes.Soup(AtlasShapes.Cube(3, 0.5f)), Small).ChartCount);
    }

    [Fact]
    public void ZeroAreaTrianglesCostNoChartOfTheirOwn()
    {
        // A sliver along a cube edge (its third corner on that edge) has no normal of its own, so no cone to be in.
        var cube = AtlasShapes.Cube(2, 0.5f);
        var mid = (cube.Position(0) + cube.Position(1)) / 2;
        var positions = cube.Positions.Concat(new[] { mid.X, mid.Y, mid.Z }).ToArray();
        var withSliver = new Mesh(positions, cube.Indices.Concat(new[] { 0, 1, cube.VertexCount }).ToArray());
        Assert.Equal(6, UvUnwrap.Unwrap(withSliver, Small).ChartCount);
    }

    [Theory]
    [InlineData(0.0, 1024, 2, "max_chart_angle")]
    [InlineData(45.0, 1024, 2, "max_chart_angle")]
    [InlineData(30.0, 8, 2, "resolution")]
    [InlineData(30.0, 1024, 1, "gutter")]
    public void BadOptionsNameTheirSetting(double angle, int resolution, int gutter, string key)
    {
        var options = new UvUnwrapOptions { MaxChartAngle = angle, Resolution = resolution, Gutter = gutter };
        var e = Assert.Throws<UserError>(() => UvUnwrap.Unwrap(AtlasShapes.Cube(1, 1), options));
        Assert.Equal(key, e.Key);
    }

    [Fact]
    public void EmptyMeshIsRefused() => Assert.Throws<ArgumentException>(() => UvUnwrap.Unwrap(Mesh.Empty));
}
