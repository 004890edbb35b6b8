using DreamTime.Server;
using Microsoft.Playwright;
using Xunit;

namespace DreamTime.Tests.Server;

/// <summary>
/// One app over a runs folder holding a finished run, and Debian's chromium driven headless by Playwright (its own
/// browser download is never used). WebGL runs on SwiftShader, the CPU renderer chromium ships.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public string Root { get; } = Directory.CreateTempSubdirectory("dt-browser-").FullName;
    public ServerApp App { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    private IPlaywright _playwright = null!;

    /// <summary>Every request a page of this fixture made to anywhere but the app (the app must make none).</summary>
    public System.Collections.Concurrent.ConcurrentBag<string> OutsideRequests { get; } = [];

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException(
                $"{ChromiumPath} not found: the browser tests need Debian's chromium (apt-get install chromium; .ci/run installs it)");
        ServeRuns.Finished(Path.Combine(Root, "mushroom"));
        App = await ServerApp.StartAsync(new ServeSettings(Root, Port: 0) { Set = ServeRuns.PageSettings });
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"],
        });
    }

    public async Task<IPage> OpenAsync(string hash = "")
    {
        var viewport = new ViewportSize { Width = 1280, Height = 1000 };
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = viewport });
        page.SetDefaultTimeout(120_000);
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        page.Request += (_, r) =>
        {
            if (!r.Url.StartsWith(App.Address.ToString(), StringComparison.Ordinal) && !r.Url.StartsWith("blob:", StringComparison.Ordinal)
                && !r.Url.StartsWith("data:", StringComparison.Ordinal))
                OutsideRequests.Add(r.Url);
        };
        await page.GotoAsync(App.Address + hash);
        await page.WaitForFunctionAsync("() => document.getElementById('connection').textContent === 'live'");
        Assert.Empty(errors);
        return page;
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await App.DisposeAsync();
        Directory.Delete(Root, true);
    }
}
