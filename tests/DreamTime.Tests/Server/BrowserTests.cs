using DreamTime.Training;
using Microsoft.Playwright;
using SkiaSharp;
using Xunit;
using Xunit.Abstractions;

namespace DreamTime.Tests.Server;

/// <summary>
/// The web app in a real browser: the list, a run's 3D view, a run started, followed, cancelled and resumed from the page.
/// </summary>
[Trait("Category", "browser")]
public sealed class BrowserTests(BrowserFixture fixture, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task TheListShowsTheRunsOfTheFolder()
    {
        var page = await fixture.OpenAsync();
        var row = page.Locator("#runs tbody tr[data-id='mushroom']");
        await row.WaitForAsync();
        Assert.Contains("a red mushroom", await row.InnerTextAsync());
        Assert.Contains("done", await row.InnerTextAsync());
        Assert.True(await row.Locator("img").EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"));
        await page.CloseAsync();
    }

    [Fact]
    public async Task TheModelViewDrawsTheMeshInItsColours()
    {
        var page = await fixture.OpenAsync("#run=mushroom");
        await page.WaitForSelectorAsync("#viewer[data-drawn]");
        await page.CheckAsync("#unlit");
        await page.WaitForSelectorAsync("#viewer[data-unlit='true']");
        var canvas = await page.Locator("#viewer").ScreenshotAsync();
        using var shot = SKBitmap.Decode(canvas);
        // the pixels the mesh covers (the view's background is white)
        var covered = new List<SKColor>();
        for (int y = 0; y < shot.Height; y++)
            for (int x = 0; x < shot.Width; x++)
            {
                var c = shot.GetPixel(x, y);
                if (c.Red < 235 || c.Green < 235 || c.Blue < 235) covered.Add(c);
            }
        double fraction = covered.Count / (double)(shot.Width * shot.Height);
        Assert.True(fraction is > 0.05 and < 0.95, $"the mesh covers {fraction:P1} of the view");
        // unlit, the drawn colours are the texture's: the chromaticity of the drawn mesh against the baked texture's
        var (r, g, b) = Chromaticity(covered);
        using var texture = SKBitmap.Decode(Path.Combine(fixture.Root, "mushroom", "model_albedo.png"));
        var reference = texture.Pixels;
        var (rr, rg, rb) = Chromaticity(reference);
        output.WriteLine($"mesh covers {fraction:P1}; chromaticity drawn {r:F3} {g:F3} {b:F3}, texture {rr:F3} {rg:F3} {rb:F3}");
        Assert.True(Math.Abs(r - rr) < 0.04 && Math.Abs(g - rg) < 0.04 && Math.Abs(b - rb) < 0.04,
            $"drawn ({r:F3}, {g:F3}, {b:F3}) against the texture ({rr:F3}, {rg:F3}, {rb:F3})");
        // the page, three.js and the model all came from the app: nothing from outside the machine
        Assert.Empty(fixture.OutsideRequests);
        await page.CloseAsync();
    }

    private static (double R, double G, double B) Chromaticity(IReadOnlyList<SKColor> pixels)
    {
        double r = pixels.Average(c => c.Red), g = pixels.Average(c => c.Green), b = pixels.Average(c => c.Blue);
        double sum = r + g + b;
        return (r / sum, g / sum, b / sum);
    }

    /// <summary>
    /// Submits the form (its subject already given) for a DreamFusion run of that many steps; the page then shows the
    /// new run (or the form's error, which fails the test).
    /// </summary>
    private static async Task Start(IPage page, int iterations)
    {
        await page.SelectOptionAsync("#pipeline", "dreamfusion");
        await page.FillAsync("#iterations", iterations.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("#start");
        await page.WaitForFunctionAsync("() => location.hash.startsWith('#run=') || document.getElementById('form-error').textContent");
        Assert.Equal("", await page.InnerTextAsync("#form-error"));
    }

    /// <summary>Waits for the run page to show a state; on a timeout, says what the page and the server showed instead.</summary>
    private async Task WaitForState(IPage page, string state)
    {
        try
        {
            await page.WaitForFunctionAsync($"() => document.getElementById('run-state').textContent === '{state}'", null,
                new PageWaitForFunctionOptions { Timeout = 60_000 });
        }
        catch (TimeoutException)
        {
            var id = await page.EvaluateAsync<string>("() => window.dreamtime.current");
            using var http = new HttpClient();
            var server = await http.GetStringAsync($"{fixture.App.Address}api/run?id={Uri.EscapeDataString(id)}");
            var shown = await page.InnerTextAsync("#run-state");
            var message = await page.InnerTextAsync("#run-message");
            throw new TimeoutException($"waiting for '{state}': the page shows '{shown}' ('{message}'); the server says " +
                                       server[..Math.Min(400, server.Length)]);
        }
    }

    private static Task<int> Step(IPage page) =>
        page.EvaluateAsync<int>("() => window.dreamtime.details?.summary.progress?.step ?? 0");

    [Fact]
    public async Task ARunStartedFromThePageShowsItsProgressAndFinishes()
    {
        var page = await fixture.OpenAsync();
        await page.FillAsync("#prompt", "a snowman");
        await Start(page, 12);
        await page.WaitForFunctionAsync("() => window.dreamtime.details?.summary.progress?.step >= 2");
        int early = await Step(page);
        await WaitForState(page, "done");
        await page.WaitForSelectorAsync("#viewer[data-drawn]");
        var latencies = await page.EvaluateAsync<double[]>("() => window.dreamtime.latencies");
        output.WriteLine($"step events seen: {latencies.Length}; step completion to page (ms): median " +
                         $"{latencies.Order().ElementAt(latencies.Length / 2)}, max {latencies.Max()}");
        Assert.True(latencies.Length >= 3, $"{latencies.Length} step events");
        Assert.True(early < 12);
        Assert.Contains("step 12/12", await page.InnerTextAsync("#run-step"));
        var id = await page.EvaluateAsync<string>("() => window.dreamtime.current");
        Assert.True(File.Exists(Path.Combine(fixture.Root, id, "model.glb")));
        await page.CloseAsync();
    }

    [Fact]
    public async Task CancelStopsARunWithItsCheckpointAndResumeGoesOn()
    {
        var page = await fixture.OpenAsync();
        await page.FillAsync("#prompt", "a chair");
        await Start(page, 5000);
        await page.WaitForFunctionAsync("() => window.dreamtime.details?.summary.progress?.step >= 2");
        await page.ClickAsync("#cancel");
        await WaitForState(page, "interrupted");
        var id = await page.EvaluateAsync<string>("() => window.dreamtime.current");
        var folder = new RunFolder(Path.Combine(fixture.Root, id));
        Assert.False(File.Exists(folder.Metrics));
        Assert.True(Directory.EnumerateFiles(folder.Checkpoints, "state.json", SearchOption.AllDirectories).Any());
        int stopped = await Step(page);

        await page.ClickAsync("#resume");
        await page.WaitForFunctionAsync($"() => window.dreamtime.details?.summary.state === 'running' && " +
                                        $"window.dreamtime.details.summary.progress?.step > {stopped + 1}");
        await page.ClickAsync("#cancel");
        await WaitForState(page, "interrupted");
        await page.CloseAsync();
    }

    [Fact]
    public async Task APictureUploadedFromThePageIsTurnedInto3D()
    {
        var picture = Path.Combine(fixture.Root, "..", $"dt-upload-{Guid.NewGuid():N}.png");
        var (code, err) = Cli("prior", "render", "a red mushroom", "--member", "2", "--size", "64", "--out", picture);
        Assert.True(code == 0, err);
        var page = await fixture.OpenAsync();
        await page.SetInputFilesAsync("#image", picture);
        await Start(page, 4);
        await WaitForState(page, "done");
        // the page shows the picture beside the result from its camera, and the run was trained on the upload
        await page.WaitForSelectorAsync("#input-panel:not([hidden]) img");
        var id = await page.EvaluateAsync<string>("() => window.dreamtime.current");
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.Root, id, "config.json")))!;
        var upload = (string)config["reference"]!["image"]!;
        Assert.StartsWith(Path.Combine(fixture.Root, ".uploads"), upload);
        Assert.Equal(File.ReadAllBytes(picture), File.ReadAllBytes(upload));
        File.Delete(picture);
        await page.CloseAsync();
    }

    [Fact]
    public async Task ARunStartedFromTheCommandLineAppearsAndUpdates()
    {
        var page = await fixture.OpenAsync();
        var folder = Path.Combine(fixture.Root, "from-terminal");
        using var cancel = new CancellationTokenSource();
        var training = Task.Run(() =>
        {
            var config = ServeRuns.Config("a chair", 5000, [.. ServeRuns.PageSettings]);
            using var run = GenerationRun.Start(config, folder, false, SilentRunObserver.Instance);
            run.Run(cancel.Token);
        });
        var row = page.Locator("#runs tbody tr[data-id='from-terminal']");
        await row.WaitForAsync();
        // its steps arrive: the progress cell shows step 3 or later
        await page.WaitForFunctionAsync("() => Number((document.querySelector(\"#runs tr[data-id='from-terminal'] td.progress\")" +
                                        "?.textContent.match(/step (\\d+)/) ?? [0, 0])[1]) >= 3");
        Assert.Contains("running", await row.InnerTextAsync());
        await cancel.CancelAsync();
        await training;
        await page.CloseAsync();
    }

    private static (int Code, string Err) Cli(params string[] args)
    {
        var err = new StringWriter();
        int code = DreamTime.Cli.CliHost.Run(DreamTime.Cli.Commands.AllCommands.Root(), args, err);
        return (code, err.ToString());
    }

    [Fact]
    public async Task ARunFolderDeletedWhileOpenSaysItIsGone()
    {
        var copy = Path.Combine(fixture.Root, "to-delete");
        Directory.CreateDirectory(copy);
        foreach (var f in new[] { "config.json", "metrics.json" })
            File.Copy(Path.Combine(fixture.Root, "mushroom", f), Path.Combine(copy, f));
        var page = await fixture.OpenAsync("#run=to-delete");
        await WaitForState(page, "done");
        Directory.Delete(copy, true);
        await page.WaitForSelectorAsync("#run-gone", new PageWaitForSelectorOptions { State = WaitForSelectorState.Visible });
        await page.CloseAsync();
    }
}
