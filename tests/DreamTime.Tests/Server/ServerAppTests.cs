using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using DreamTime.Runtime;
using DreamTime.Server;
using DreamTime.Training;
using Xunit;

namespace DreamTime.Tests.Server;

/// <summary>The web app over HTTP: what it serves, what it refuses, and who may change state.</summary>
public sealed class ServerAppTests(ServeFixture fixture) : IClassFixture<ServeFixture>, IDisposable
{
    private readonly string _root = fixture.Root;
    private readonly ServerApp _app = fixture.App;
    private readonly HttpClient _http = new() { BaseAddress = fixture.App.Address };

    public void Dispose() => _http.Dispose();

    private async Task<(HttpStatusCode Status, JsonNode? Body)> Get(string path)
    {
        using var response = await _http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        JsonNode? body = null;
        try { body = JsonNode.Parse(text); }
        catch (System.Text.Json.JsonException) { }
        return (response.StatusCode, body);
    }

    private HttpRequestMessage Post(string path, HttpContent? content = null, string? origin = "self")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (origin != null) request.Headers.Add("Origin", origin == "self" ? _app.Address.GetLeftPart(UriPartial.Authority) : origin);
        return request;
    }

    [Fact]
    public async Task TheListHasTheRunWithItsStateFidelityAndThumbnail()
    {
        var (status, body) = await Get("/api/runs");
        Assert.Equal(HttpStatusCode.OK, status);
        // other tests of the class add runs beside it
        var run = Assert.Single(body!["runs"]!.AsArray(), r => (string?)r!["id"] == "mushroom")!;
        Assert.Equal("a red mushroom", (string?)run["subject"]);
        Assert.Equal("done", (string?)run["state"]);
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(_root, "mushroom", "metrics.json")))!;
        Assert.Equal((double)metrics["psnr"]!, (double)run["psnr"]!);
        var (thumb, _) = await Get("/files/" + (string?)run["thumbnail"]);
        Assert.Equal(HttpStatusCode.OK, thumb);
        var (details, d) = await Get("/api/run?id=mushroom");
        Assert.Equal(HttpStatusCode.OK, details);
        Assert.Equal("mushroom/model.glb", (string?)d!["files"]!["model"]);
        Assert.Equal("magic3d", (string?)d["config"]!["pipeline"]);
    }

    [Theory]
    [InlineData("/files/..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/files/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("/files/mushroom/..%2F..%2Fsecret.txt")]
    [InlineData("/files//etc/passwd")]
    [InlineData("/files/mushroom/.lock")]
    [InlineData("/files/outside/secret.txt")]
    [InlineData("/files/outside-file")]
    [InlineData("/api/run?id=../secret")]
    [InlineData("/api/run?id=%2Fetc")]
    [InlineData("/api/run?id=no-such-run")]
    public async Task PathsOutsideTheRunsFolderAndUnknownRunsAre404(string path)
    {
        // fixture.Outside holds a secret, linked from inside the runs folder; another lies beside the runs folder
        using var response = await _http.GetAsync(path);
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{path}: {response.StatusCode}");
        Assert.DoesNotContain("TOP-SECRET", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RequestsThatChangeStateNeedTheSameOrigin()
    {
        using var cancelFromElsewhere = await _http.SendAsync(Post("/api/run/cancel?id=mushroom", origin: "http://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, cancelFromElsewhere.StatusCode);
        var form = new MultipartFormDataContent { { new StringContent("a snowman"), "prompt" } };
        using var noOrigin = await _http.SendAsync(Post("/api/runs", form, origin: null));
        Assert.Equal(HttpStatusCode.Forbidden, noOrigin.StatusCode);
        // same origin: the run is not this app's to cancel
        using var own = await _http.SendAsync(Post("/api/run/cancel?id=mushroom"));
        Assert.Equal(HttpStatusCode.Conflict, own.StatusCode);
        using var unknown = await _http.SendAsync(Post("/api/run/cancel?id=nothing"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var done = await _http.SendAsync(Post("/api/run/resume?id=mushroom"));
        Assert.Equal(HttpStatusCode.Conflict, done.StatusCode);
        Assert.Contains("only an interrupted run", await done.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnotherHostNameIsRefusedOnLoopback()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/runs");
        request.Headers.Host = "attacker.example";
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("not a picture", "notes.png", 415)]
    [InlineData("", "empty.png", 400)]
    public async Task UploadsThatAreNotPicturesAreRefused(string content, string name, int status)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(content));
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "image", name);
        using var response = await _http.SendAsync(Post("/api/runs", form));
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(name, await response.Content.ReadAsStringAsync());
        Assert.False(Directory.Exists(Path.Combine(_root, ".uploads")) && Directory.EnumerateFiles(Path.Combine(_root, ".uploads")).Any());
    }

    [Fact]
    public async Task AnUploadOverTheLimitIs413()
    {
        var form = new MultipartFormDataContent();
        var big = new byte[9 << 20];
        new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(big, 0);
        form.Add(new ByteArrayContent(big), "image", "huge.png");
        using var response = await _http.SendAsync(Post("/api/runs", form));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("pipeline", "nope", "pipeline")]
    [InlineData("strategy", "sideways", "strategy")]
    [InlineData("seed", "abc", "seed")]
    [InlineData("iterations", "0", "iterations")]
    [InlineData("prompt", "", "prompt or a picture")]
    public async Task ABadFormIs400NamingTheField(string field, string value, string named)
    {
        var form = new MultipartFormDataContent { { new StringContent(field == "prompt" ? value : "a snowman"), "prompt" } };
        if (field != "prompt") form.Add(new StringContent(value), field);
        using var response = await _http.SendAsync(Post("/api/runs", form));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Contains(named, error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public async Task APortInUseIsAUserErrorNamingIt()
    {
        var e = await Assert.ThrowsAsync<UserError>(() => ServerApp.StartAsync(new ServeSettings(_root, Port: _app.Address.Port)));
        Assert.Contains($"--port {_app.Address.Port}", e.Message);
    }

    [Fact]
    public async Task ARunFolderDeletedIsGoneFromTheListAndItsPageIs404()
    {
        var copy = Path.Combine(_root, "copy");
        Directory.CreateDirectory(copy);
        File.Copy(Path.Combine(_root, "mushroom", "config.json"), Path.Combine(copy, "config.json"));
        Assert.Equal(HttpStatusCode.OK, (await Get("/api/run?id=copy")).Status);
        Directory.Delete(copy, true);
        Assert.Equal(HttpStatusCode.NotFound, (await Get("/api/run?id=copy")).Status);
        Assert.DoesNotContain((await Get("/api/runs")).Body!["runs"]!.AsArray(), r => (string?)r!["id"] == "copy");
    }

    [Fact]
    public async Task ARunTrainedByAnotherProcessIsFollowedFromItsFiles()
    {
        // a run not started by the app (as from a terminal): its steps reach the event stream through the folder
        using var events = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var stream = await _http.GetStreamAsync("/api/events", events.Token);
        using var reader = new StreamReader(stream);
        Assert.Equal("event: hello", await reader.ReadLineAsync(events.Token));
        var folder = Path.Combine(_root, "terminal");
        var training = Task.Run(() =>
        {
            using var run = GenerationRun.Start(ServeRuns.Config("a snowman", 6, [.. ServeRuns.PageSettings]), folder, false,
                SilentRunObserver.Instance);
            run.Run(CancellationToken.None);
        });
        var steps = new List<int>();
        while (steps.Count == 0 || steps[^1] < 6)
        {
            var line = await reader.ReadLineAsync(events.Token);
            if (line == null) break;
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var e = JsonNode.Parse(line[6..])!;
            if ((string?)e["type"] == "step" && (string?)e["id"] == "terminal") steps.Add((int)e["progress"]!["step"]!);
        }
        await training;
        Assert.True(steps.Count >= 2, $"steps seen: {string.Join(",", steps)}");
        Assert.Equal(steps.Order(), steps);
        Assert.Equal(6, steps[^1]);
    }

    private async Task<string> StartRun(string prompt, int iterations)
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(prompt), "prompt" }, { new StringContent("dreamfusion"), "pipeline" },
            { new StringContent(iterations.ToString(System.Globalization.CultureInfo.InvariantCulture)), "iterations" },
        };
        using var response = await _http.SendAsync(Post("/api/runs", form));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!;
    }

    private async Task<string?> StateOf(string id) => (string?)(await Get($"/api/run?id={id}")).Body?["summary"]?["state"];

    private async Task Until(Func<Task<bool>> condition)
    {
        for (var deadline = DateTime.UtcNow.AddMinutes(2); !await condition(); await Task.Delay(50))
            Assert.True(DateTime.UtcNow < deadline, "timed out");
    }

    [Fact]
    public async Task RunsOnOneDeviceQueueAndAQueuedRunCancelledLeavesNothing()
    {
        var first = await StartRun("a snowman", 5000);
        var second = await StartRun("a chair", 5000);
        await Until(async () => await StateOf(first) == "running");
        Assert.Equal("queued", await StateOf(second));
        var listed = (await Get("/api/runs")).Body!["runs"]!.AsArray();
        Assert.Contains(listed, r => (string?)r!["id"] == second && (string?)r["state"] == "queued");

        // the queued run is dropped: no folder left; the running one stops with its checkpoint
        foreach (var id in new[] { second, first })
        {
            using var cancel = await _http.SendAsync(Post($"/api/run/cancel?id={id}"));
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }
        await Until(async () => await StateOf(first) == "interrupted");
        await Until(async () => (await Get($"/api/run?id={second}")).Status == HttpStatusCode.NotFound);
        Assert.False(Directory.Exists(Path.Combine(_root, second)));
        Assert.True(Directory.Exists(Path.Combine(_root, first, "checkpoints")));
    }
}
