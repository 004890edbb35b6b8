using System.Net;
using DreamTime.Server;
using Xunit;

namespace DreamTime.Tests.Server;

/// <summary>On a host other than loopback the app asks every request for its token.</summary>
public sealed class ServeTokenTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("dt-serve-token-").FullName;
    private ServerApp _app = null!;
    private Uri _base = null!;

    public async Task InitializeAsync()
    {
        _app = await ServerApp.StartAsync(new ServeSettings(_root, Host: "0.0.0.0", Port: 0));
        _base = new Uri($"http://127.0.0.1:{_app.Address.Port}/");
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_root, true);
    }

    [Fact]
    public async Task ATokenIsGeneratedAndEveryRequestNeedsIt()
    {
        Assert.NotNull(_app.Token);
        Assert.True(_app.Token!.Length >= 32);
        using var plain = new HttpClient { BaseAddress = _base };
        Assert.Equal(HttpStatusCode.Unauthorized, (await plain.GetAsync("/api/runs")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await plain.GetAsync("/?token=wrong")).StatusCode);

        var header = new HttpRequestMessage(HttpMethod.Get, "/api/runs");
        header.Headers.Add("X-DreamTime-Token", _app.Token);
        Assert.Equal(HttpStatusCode.OK, (await plain.SendAsync(header)).StatusCode);

        // opening the printed address once sets the cookie the page then uses
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false })
        {
            BaseAddress = _base,
        };
        var open = await browser.GetAsync($"/?token={_app.Token}");
        Assert.Equal(HttpStatusCode.Redirect, open.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/runs")).StatusCode);
        // the cookie alone does not let another site's page change state
        var post = new HttpRequestMessage(HttpMethod.Post, "/api/run/cancel?id=x");
        post.Headers.Add("Origin", "http://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(post)).StatusCode);
        var withToken = new HttpRequestMessage(HttpMethod.Post, "/api/run/cancel?id=x");
        withToken.Headers.Add("X-DreamTime-Token", _app.Token);
        Assert.Equal(HttpStatusCode.NotFound, (await plain.SendAsync(withToken)).StatusCode);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("a token with spaces in it")]
    [InlineData("0123456789abcdef&x=1")]
    public async Task AWeakOrUnsafeTokenIsRefused(string token)
    {
        var settings = new ServeSettings(_root, Port: 0, Token: token);
        var e = await Assert.ThrowsAsync<DreamTime.Runtime.UserError>(() => ServerApp.StartAsync(settings));
        Assert.StartsWith("--token:", e.Message);
    }
}
