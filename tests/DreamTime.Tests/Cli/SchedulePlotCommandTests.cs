using Xunit;

namespace DreamTime.Tests.Cli;

public class SchedulePlotCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-schedule-plot-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Theory]
    [InlineData("tp-sds")]
    [InlineData("uniform")]
    [InlineData("two-stage")]
    public void WritesAPlotOfTheRequestedSize(string strategy)
    {
        var png = Path.Combine(_dir, strategy + ".png");
        var root = new System.CommandLine.RootCommand { DreamTime.Cli.Commands.ScheduleCommand.Create() };
        var err = new StringWriter();
        Assert.Equal(0,
            DreamTime.Cli.CliHost.Run(root, new[] { "schedule", "--strategy", strategy, "--iterations", "300", "--plot", png }, err));
        var img = DreamTime.Imaging.ImageIO.LoadImage(png);
        Assert.Equal(1500, img.Width);
        Assert.Equal(500, img.Height);
        // not blank: a good share of pixels differ from the white background
        int ink = Enumerable.Range(0, img.Width * img.Height).Count(i => img.Pixels[3 * i] < 0.9f || img.Pixels[3 * i + 2] < 0.9f);
        Assert.True(ink > img.Width * img.Height / 100, $"only {ink} non-white pixels");
    }
}
