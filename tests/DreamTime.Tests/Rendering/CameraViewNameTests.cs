using DreamTime.Rendering;
using Xunit;

namespace DreamTime.Tests.Rendering;

/// <summary>
/// The view names behind view-dependent prompts, at threestudio's thresholds (the DreamFusion setup): with the azimuth
/// shifted into [-180, 180), "front" when -45 &lt; az &lt; 45, "back" when az &gt; 135 or az &lt; -135, "overhead" when
/// the elevation exceeds 60 degrees (whatever the azimuth), otherwise "side". Every inequality is strict, so each
/// threshold itself falls to the next name down.
/// </summary>
public class CameraViewNameTests
{
    [Theory]
    // front and its edges
    [InlineData(0, 0, "front")]
    [InlineData(0, 44.999, "front")]
    [InlineData(0, 45, "side")]
    [InlineData(0, -44.999, "front")]
    [InlineData(0, -45, "side")]
    // side and the back's edges
    [InlineData(0, 90, "side")]
    [InlineData(0, -90, "side")]
    [InlineData(0, 135, "side")]
    [InlineData(0, 135.001, "back")]
    [InlineData(0, -135, "side")]
    [InlineData(0, -135.001, "back")]
    [InlineData(0, 180, "back")]
    [InlineData(0, -180, "back")]
    // azimuths outside [-180, 180) name the same view as their shifted angle
    [InlineData(0, 360, "front")]
    [InlineData(0, 404.999, "front")]
    [InlineData(0, 405, "side")]
    [InlineData(0, 315, "side")]
    [InlineData(0, 315.001, "front")]
    [InlineData(0, -316, "front")]
    [InlineData(0, -315, "side")]
    [InlineData(0, 225, "side")]
    [InlineData(0, 224.999, "back")]
    [InlineData(0, 540, "back")]
    [InlineData(0, -540, "back")]
    // overhead: strictly above 60 degrees, and it wins over every azimuth
    [InlineData(60, 0, "front")]
    [InlineData(60, 180, "back")]
    [InlineData(60.001, 0, "overhead")]
    [InlineData(60.001, 90, "overhead")]
    [InlineData(61, 180, "overhead")]
    [InlineData(90, -135.001, "overhead")]
    // below the horizon there is no separate name
    [InlineData(-30, 0, "front")]
    [InlineData(-89, 180, "back")]
    public void DefaultThresholds(double elevation, double azimuth, string expected) =>
        Assert.Equal(expected, new Camera(elevation, azimuth, 3, 40).ViewName());

    [Theory]
    [InlineData(30, 0, "front")]
    [InlineData(30.001, 0, "overhead")]
    [InlineData(0, 59.999, "front")]
    [InlineData(0, 60, "side")]
    [InlineData(0, 150, "side")]
    [InlineData(0, 150.001, "back")]
    [InlineData(0, -150.001, "back")]
    public void ThresholdsAreParameters(double elevation, double azimuth, string expected) =>
        Assert.Equal(expected,
            new Camera(elevation, azimuth, 3, 40).ViewName(overheadElevationDeg: 30, frontRangeDeg: 60, backRangeDeg: 30));
}
