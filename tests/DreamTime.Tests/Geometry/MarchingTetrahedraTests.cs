using System.Numerics;
using DreamTime.Geometry;
using DreamTime.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using Mesh = DreamTime.Geometry.Mesh;

namespace DreamTime.Tests.Geometry;

public class MarchingTetrahedraTests
{
    private static Mesh ToMesh(Tensor positions, Tensor faces) =>
        new(positions.detach().to(ScalarType.Float32).data<float>().ToArray(), faces.to(ScalarType.Int32).data<int>().ToArray());

    [Fact]
    public void SphereIsClosedOutwardAndMatchesTheSphereAtResolution32()
    {
        var centre = new Vector3(0.05f, -0.03f, 0.02f);
        const double r = 0.6, h = 2.0 / 32;
        using var grid = TetGrid.Cube(32, 1.0);
        var sdf = SdfShapes.Sphere(grid.Vertices, centre, r);
        var (positions, faces) = MarchingTetrahedra.Extract(grid.Vertices, sdf, grid.Tets);
        var mesh = ToMesh(positions, faces);

        Assert.Null(TestShapes.ClosedAndOriented(mesh));
        Assert.Equal(1, mesh.CountComponents());
        // Each surface vertex is the linear interpolation of the exact distance along an edge of length at most
        // sqrt(3) h, which errs by at most (edge length)^2 / (8 r) towards the centre.
        double sag = 3 * h * h / (8 * r);
        for (int v = 0; v < mesh.VertexCount; v++)
            Assert.InRange(Vector3.Distance(mesh.Position(v), centre), r - sag - 1e-5, r + 1e-5);
        for (int f = 0; f < mesh.TriangleCount; f++)
        {
            var (a, b, c) = mesh.Triangle(f);
            var mid = (mesh.Position(a) + mesh.Position(b) + mesh.Position(c)) / 3;
            Assert.True(Vector3.Dot(mesh.FaceNormal(f), mid - centre) > 0, $"face {f} faces inwards");
        }
        // Every vertex is in the ball, so the polyhedron is too: its volume falls short, by O(h^2 / r^2) (1 % at
        // h / r = 0.1; the vertices' sag alone accounts for 3 sag / r = 1.2 %). Measured: 0.9946 of the volume,
        // 0.9972 of the area.
        double volume = 4 / 3.0 * Math.PI * r * r * r, area = 4 * Math.PI * r * r;
        Assert.InRange(mesh.SignedVolume(), volume * (1 - 3 * sag / r), volume);
        Assert.InRange(mesh.SurfaceArea(), area * (1 - 3 * sag / r), area * 1.002);
    }

    /// <summary>
    /// Random signs inside a grid whose boundary is outside: any topology, so every case of the table occurs, and the
    /// mesh must be closed, consistently wound, and enclose the volume where the piecewise-linear SDF is negative.
    /// That volume per tet is sum over negative corners i of (-s_i)^3 / prod_{j != i} (s_j - s_i) times the tet's
    /// volume (the distribution of a linear function over a simplex), computed here independently of the mesh.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomFieldsGiveAClosedSurfaceEnclosingTheNegativeVolume(int seed)
    {
        const int n = 5;
        using var grid = TetGrid.Cube(n, 1.0);
        var rng = new Random(seed);
        var v = grid.Vertices.to(ScalarType.Float64).data<double>().ToArray();
        var s = new double[grid.VertexCount];
        for (int i = 0; i < s.Length; i++)
        {
            bool boundary = Enumerable.Range(0, 3).Any(axis => Math.Abs(Math.Abs(v[3 * i + axis]) - 1) < 1e-9);
            s[i] = boundary ? 0.5 + rng.NextDouble() : rng.NextDouble() * 2 - 1.2;
        }
        var vertices = grid.Vertices.to(ScalarType.Float64);
        var (positions, faces) = MarchingTetrahedra.Extract(vertices, tensor(s), grid.Tets);
        var mesh = ToMesh(positions, faces);
        Assert.True(mesh.TriangleCount > 50);
        Assert.Null(TestShapes.ClosedAndOriented(mesh));

        var t = grid.Tets.data<long>().ToArray();
        double expected = 0;
        for (int f = 0; f < t.Length / 4; f++)
        {
            double fraction = 0;
            for (int i = 0; i < 4; i++)
            {
                double si = s[t[4 * f + i]];
                if (si >= 0) continue;
                double term = -si * -si * -si;
                for (int j = 0; j < 4; j++) if (j != i) term /= s[t[4 * f + j]] - si;
                fraction += term;
            }
            expected += fraction * TetVolume(v, t, f);
        }
        Assert.True(expected > 0.05);
        Assert.Equal(expected, PositionsVolume(positions, faces), 9);
    }

    private static double TetVolume(double[] v, long[] t, int f)
    {
        var p = Enumerable.Range(0, 4).Select(c => v.AsSpan((int)(3 * t[4 * f + c]), 3).ToArray()).ToArray();
        double[] u = [p[1][0] - p[0][0], p[1][1] - p[0][1], p[1][2] - p[0][2]];
        double[] w = [p[2][0] - p[0][0], p[2][1] - p[0][1], p[2][2] - p[0][2]];
        double[] x = [p[3][0] - p[0][0], p[3][1] - p[0][1], p[3][2] - p[0][2]];
        return (u[0] * (w[1] * x[2] - w[2] * x[1]) - u[1] * (w[0] * x[2] - w[2] * x[0]) + u[2] * (w[0] * x[1] - w[1] * x[0])) / 6;
    }

    /// <summary>Signed volume in float64 from the tensors themselves (Mesh holds floats).</summary>
    private static double PositionsVolume(Tensor positions, Tensor faces)
    {
        var p = positions.detach().data<double>().ToArray();
        var f = faces.data<long>().ToArray();
        double volume = 0;
        for (int i = 0; i < f.Length; i += 3)
        {
            long a = 3 * f[i], b = 3 * f[i + 1], c = 3 * f[i + 2];
            volume += (p[a] * (p[b + 1] * p[c + 2] - p[b + 2] * p[c + 1]) - p[a + 1] * (p[b] * p[c + 2] - p[b + 2] * p[c])
                + p[a + 2] * (p[b] * p[c + 1] - p[b + 1] * p[c])) / 6;
        }
        return volume;
    }

    [Fact]
    public void SurfaceVerticesAreSharedBetweenTets()
    {
        using var grid = TetGrid.Cube(8, 1.0);
        var sdf = SdfShapes.Sphere(grid.Vertices, new Vector3(0.1f, 0, -0.05f), 0.55);
        var (positions, faces) = MarchingTetrahedra.Extract(grid.Vertices, sdf, grid.Tets);
        var p = positions.data<float>().ToArray();
        var distinct = Enumerable.Range(0, p.Length / 3).Select(i => (p[3 * i], p[3 * i + 1], p[3 * i + 2])).Distinct().Count();
        Assert.Equal(positions.shape[0], distinct);
        // every surface vertex is used by some face
        Assert.Equal(positions.shape[0], faces.unique().output.shape[0]);
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        const int n = 3;
        using var grid = TetGrid.Cube(n, 1.0);
        var rng = new Random(11);
        var baseVertices = grid.Vertices.to(ScalarType.Float64).data<double>().ToArray();
        // a deformed grid (a tenth of a cell at most) and an SDF kept away from zero, so small steps never change the faces
        var deformed = baseVertices.Select(x => x + (rng.NextDouble() - 0.5) * 0.2 * (2.0 / n) / 2).ToArray();
        var sdfValues = new double[grid.VertexCount];
        for (int i = 0; i < sdfValues.Length; i++)
        {
            double d = Math.Sqrt(deformed[3 * i] * deformed[3 * i] + deformed[3 * i + 1] * deformed[3 * i + 1]
                + deformed[3 * i + 2] * deformed[3 * i + 2]) - 0.7 + (rng.NextDouble() - 0.5) * 0.2;
            sdfValues[i] = Math.Abs(d) < 0.05 ? Math.Sign(d + 1e-12) * 0.05 : d;
        }
        var weights = Enumerable.Range(0, 3 * 5000).Select(_ => rng.NextDouble() - 0.5).ToArray();

        double Loss(double[] vx, double[] sd, out Tensor vGrad, out Tensor sGrad, bool backward)
        {
            var vt = tensor(vx).view(-1, 3).requires_grad_(backward);
            var st = tensor(sd).requires_grad_(backward);
            var (p, _) = MarchingTetrahedra.Extract(vt, st, grid.Tets);
            var w = tensor(weights[..(int)(p.shape[0] * 3)]).view(-1, 3);
            // nonlinear in the positions, so the test sees the chain rule, not just a sum
            var loss = (p * w).sum().Plus((p * p * w).sum()).Plus((p.narrow(1, 0, 1) * p.narrow(1, 1, 1)).sum());
            if (backward) loss.backward();
            vGrad = backward ? vt.grad! : empty(0);
            sGrad = backward ? st.grad! : empty(0);
            return loss.item<double>();
        }

        Loss(deformed, sdfValues, out var vertexGrad, out var sdfGrad, backward: true);
        var gv = vertexGrad.data<double>().ToArray();
        var gs = sdfGrad.data<double>().ToArray();
        Assert.True(gs.Count(g => g != 0) > 10);
        const double eps = 1e-6;
        for (int i = 0; i < sdfValues.Length; i++)
        {
            var plus = (double[])sdfValues.Clone(); plus[i] += eps;
            var minus = (double[])sdfValues.Clone(); minus[i] -= eps;
            double fd = (Loss(deformed, plus, out _, out _, false) - Loss(deformed, minus, out _, out _, false)) / (2 * eps);
            Assert.True(Math.Abs(fd - gs[i]) < 1e-6 * (1 + Math.Abs(fd)), $"sdf {i}: autograd {gs[i]}, finite difference {fd}");
        }
        for (int i = 0; i < deformed.Length; i++)
        {
            var plus = (double[])deformed.Clone(); plus[i] += eps;
            var minus = (double[])deformed.Clone(); minus[i] -= eps;
            double fd = (Loss(plus, sdfValues, out _, out _, false) - Loss(minus, sdfValues, out _, out _, false)) / (2 * eps);
            Assert.True(Math.Abs(fd - gv[i]) < 1e-6 * (1 + Math.Abs(fd)),
                $"vertex coordinate {i}: autograd {gv[i]}, finite difference {fd}");
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-1.0)]
    [InlineData(0.0)]
    public void AFieldOfOneSignGivesAnEmptySurface(double value)
    {
        using var grid = TetGrid.Cube(4, 1.0);
        using var fill = value.ToScalar();
        var sdf = full(grid.VertexCount, fill, dtype: ScalarType.Float32).requires_grad_(true);
        var (positions, faces) = MarchingTetrahedra.Extract(grid.Vertices, sdf, grid.Tets);
        Assert.Equal(new long[] { 0, 3 }, positions.shape);
        Assert.Equal(new long[] { 0, 3 }, faces.shape);
        Assert.Equal(ScalarType.Int64, faces.dtype);
    }

    [Fact]
    public void WrongShapesAreRefused()
    {
        using var grid = TetGrid.Cube(2, 1.0);
        var sdf = zeros(grid.VertexCount);
        Assert.Throws<ArgumentException>(() => MarchingTetrahedra.Extract(grid.Vertices.view(-1), sdf, grid.Tets));
        Assert.Throws<ArgumentException>(() => MarchingTetrahedra.Extract(grid.Vertices, sdf.narrow(0, 1, 5), grid.Tets));
        Assert.Throws<ArgumentException>(() => MarchingTetrahedra.Extract(grid.Vertices, sdf, grid.Tets.to(ScalarType.Int32)));
    }
}
