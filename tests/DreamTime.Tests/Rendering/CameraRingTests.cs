using DreamTime.Rendering;
using Xunit;

namespace DreamTime.Tests.Rendering;

public class CameraRingTests
{
    private static readonly CameraRanges Ranges = new(DistanceMin: 1.6, DistanceMax: 3.0, FovYMinDeg: 30, FovYMaxDeg: 56);

    [Theory]
    [InlineData(1, 20.0)]
    [InlineData(3, -10.0)]
    [InlineData(8, 20.0)]
    [InlineData(7, 55.0)]
    [InlineData(36, 0.0)]
    public void EvenlySpacedAzimuthsAtOneElevationAndDistanceLookingAtTheOrigin(int count, double elevation)
    {
        var ring = Ranges.Ring(count, elevation);
        Assert.Equal(count, ring.Count);
        const double distance = 2.3, fov = 43;
        var azimuths = new List<double>();
        foreach (var cam in ring)
        {
            Assert.Equal(fov, cam.FovYDeg, 12);
            // Read the geometry back from the camera's position and frame, not from the fields it was built with.
            var (x, y, z) = cam.Position;
            double r = Math.Sqrt(x * x + y * y + z * z);
            Assert.Equal(distance, r, 12);
            Assert.Equal(elevation, Math.Asin(z / r) * 180 / Math.PI, 9);
            var m = cam.CameraToWorld();
            // The camera looks down its -z axis, whose world direction is minus the third column.
            for (int k = 0; k < 3; k++) Assert.Equal(-(k == 0 ? x : k == 1 ? y : z) / r, -m[k, 2], 12);
            azimuths.Add(Math.Atan2(y, x) * 180 / Math.PI);
        }
        // The first camera sits at azimuth -180 (on -x); the rest follow at equal steps, each a distinct azimuth.
        Assert.Equal(180, Math.Abs(azimuths[0]), 9);
        for (int i = 1; i < count; i++)
        {
            double step = ((azimuths[i] - azimuths[i - 1]) % 360 + 360) % 360;
            Assert.Equal(360.0 / count, step, 9);
        }
        if (count > 1)
        {
            double wrap = ((azimuths[0] - azimuths[^1]) % 360 + 360) % 360;
            Assert.Equal(360.0 / count, wrap, 9);
        }
    }

    [Fact]
    public void EmptyRingIsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Ranges.Ring(0, 20));
}
