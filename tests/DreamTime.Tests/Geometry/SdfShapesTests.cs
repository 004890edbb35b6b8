using System.Numerics;
using DreamTime.Geometry;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Geometry;

public class SdfShapesTests
{
    private static readonly Vector3 Centre = new(0.1f, -0.2f, 0.3f);

    private static (Tensor Points, double[] Xyz) RandomPoints(int count, int seed)
    {
        var rng = new Random(seed);
        var xyz = Enumerable.Range(0, 3 * count).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        return (tensor(xyz).view(count, 3), xyz);
    }

    [Fact]
    public void SphereIsTheDistanceToTheSphere()
    {
        var (points, xyz) = RandomPoints(500, 1);
        var d = SdfShapes.Sphere(points, Centre, 0.4).data<double>().ToArray();
        for (int i = 0; i < d.Length; i++)
        {
            double dx = xyz[3 * i] - Centre.X, dy = xyz[3 * i + 1] - Centre.Y, dz = xyz[3 * i + 2] - Centre.Z;
            Assert.Equal(Math.Sqrt(dx * dx + dy * dy + dz * dz) - 0.4, d[i], 12);
        }
        Assert.Equal(ScalarType.Float32, SdfShapes.Sphere(points.to(ScalarType.Float32), Centre, 0.4).dtype);
    }

    [Fact]
    public void EllipsoidHasTheRightSignZeroSetAndSlope()
    {
        var radii = new Vector3(0.6f, 0.3f, 0.45f);
        var (points, xyz) = RandomPoints(2000, 2);
        var d = SdfShapes.Ellipsoid(points, Centre, radii).data<double>().ToArray();
        for (int i = 0; i < d.Length; i++)
        {
            double qx = (xyz[3 * i] - Centre.X) / radii.X;
            double qy = (xyz[3 * i + 1] - Centre.Y) / radii.Y;
            double qz = (xyz[3 * i + 2] - Centre.Z) / radii.Z;
            double level = qx * qx + qy * qy + qz * qz;
            if (Math.Abs(level - 1) > 1e-9) Assert.Equal(Math.Sign(level - 1), Math.Sign(d[i]));
        }

        // on the surface it is zero, and a step delta along the unit normal changes it by delta to first order
        var rng = new Random(3);
        const double delta = 1e-4;
        var probe = new List<double>();
        var normals = new List<double[]>();
        for (int i = 0; i < 200; i++)
        {
            double theta = Math.Acos(rng.NextDouble() * 2 - 1), phi = rng.NextDouble() * 2 * Math.PI;
            double[] u = [Math.Sin(theta) * Math.Cos(phi), Math.Sin(theta) * Math.Sin(phi), Math.Cos(theta)];
            double[] surface = [Centre.X + radii.X * u[0], Centre.Y + radii.Y * u[1], Centre.Z + radii.Z * u[2]];
            double[] n = [u[0] / radii.X, u[1] / radii.Y, u[2] / radii.Z];
            double length = Math.Sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
            probe.AddRange(surface);
            probe.AddRange(surface.Select((s, k) => s + delta * n[k] / length));
        }
        var values = SdfShapes.Ellipsoid(tensor(probe.ToArray()).view(-1, 3), Centre, radii).data<double>().ToArray();
        for (int i = 0; i < values.Length; i += 2)
        {
            Assert.True(Math.Abs(values[i]) < 1e-7, $"surface point {i / 2}: {values[i]}");
            // the second-order term is at most delta^2 times the largest curvature (0.6 / 0.3^2 < 7)
            Assert.True(Math.Abs(values[i + 1] - delta) < 7 * delta * delta, $"stepped point {i / 2}: {values[i + 1]}");
        }
    }

    [Fact]
    public void EllipsoidWithEqualRadiiIsTheSphereAndItsCentreIsTheShortestSemiAxisDeep()
    {
        var (points, _) = RandomPoints(500, 4);
        var sphere = SdfShapes.Sphere(points, Centre, 0.35).data<double>().ToArray();
        var ellipsoid = SdfShapes.Ellipsoid(points, Centre, new Vector3(0.35f)).data<double>().ToArray();
        for (int i = 0; i < sphere.Length; i++) Assert.Equal(sphere[i], ellipsoid[i], 6);
        var centre = tensor(new double[] { Centre.X, Centre.Y, Centre.Z }).view(1, 3);
        Assert.Equal(-0.2, SdfShapes.Ellipsoid(centre, Centre, new Vector3(0.5f, 0.2f, 0.3f)).item<double>(), 6);
    }
}
