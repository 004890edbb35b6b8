using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using DreamTime.Batch;
using DreamTime.Runtime;
using DreamTime.Server.Events;
using DreamTime.Server.Runs;
using DreamTime.Server.Security;
using DreamTime.Server.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DreamTime.Server;

/// <summary>
/// `dreamtime serve`: the web app over a runs folder. The page lists the runs, follows them live over server-sent
/// events, shows each run's pictures, curves, metrics, configuration and model, and starts, cancels and resumes runs
/// (<see cref="RunQueue"/>). Start it, read <see cref="Address"/>, dispose it to stop (running runs write their checkpoint).
/// </summary>
public sealed class ServerApp : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly WebApplication _app;
    private readonly RunFolderWatcher _watcher;

    public Uri Address { get; }
    public string? Token { get; }
    public RunQueue Queue { get; }
    public RunEvents Events { get; }
    public RunCatalog Catalog { get; }

    private ServerApp(WebApplication app, RunFolderWatcher watcher, Uri address, string? token, RunQueue queue, RunEvents events,
        RunCatalog catalog)
    {
        _app = app;
        _watcher = watcher;
        Address = address;
        Token = token;
        Queue = queue;
        Events = events;
        Catalog = catalog;
    }

    /// <summary>Checks the settings, then listens. A port in use or a bad host is a <see cref="UserError"/>.</summary>
    public static async Task<ServerApp> StartAsync(ServeSettings settings)
    {
        var assets = WebAssets.Load();
        var root = Path.GetFullPath(settings.RunsFolder);
        if (File.Exists(root)) throw new UserError($"--runs {settings.RunsFolder}: is a file, not a folder");
        AtomicFile.EnsureWritableFolder(root, "--runs folder");
        static bool UrlSafe(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
        if (settings.Token != null && (settings.Token.Length < 16 || !settings.Token.All(UrlSafe)))
            throw new UserError("--token: give at least 16 letters, digits, '-' or '_' (or leave it out to have one generated)");
        if (!settings.IsLoopback && settings.Token == null) settings = settings with { Token = AccessGuard.NewToken() };
        // localhost is the IPv4 loopback here: Kestrel cannot pick a free port (0) for its localhost binding
        IPAddress? address = IPAddress.Loopback;
        if (settings.Host != "localhost" && !IPAddress.TryParse(settings.Host.Trim('[', ']'), out address))
            throw new UserError($"--host {settings.Host}: not an IP address (give 127.0.0.1, 0.0.0.0 for every interface, or localhost)");
        if (settings.Set.Count > 0)
        {
            // the pairs are checked now, not when the first run is started from the page
            var tree = Configuration.ConfigOverrides.Defaults();
            foreach (var assignment in settings.Set) Configuration.ConfigOverrides.Apply(tree, assignment, "--set");
            Configuration.TrainConfig.FromJson(tree, "--set").Validate();
        }
        if (settings.Port is < 0 or > 65535) throw new UserError($"--port {settings.Port}: not a port (0-65535; 0 picks a free one)");

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = root, Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            // read whole, so that a picture somewhat over the limit gets its 413 rather than a cut connection
            k.Limits.MaxRequestBodySize = 4 * settings.MaxUploadBytes;
            k.Listen(address!, settings.Port);
        });
        builder.Services.Configure<FormOptions>(f => f.MultipartBodyLengthLimit = settings.MaxUploadBytes + (64 << 10));
        var app = builder.Build();

        var catalog = new RunCatalog(root);
        var events = new RunEvents();
        var queue = new RunQueue(catalog, events, settings.Device);
        var watcher = new RunFolderWatcher(catalog, events, id => queue.Find(id)?.State is RunState.Queued or RunState.Running);
        var guard = new AccessGuard(settings);
        app.Use(guard.InvokeAsync);
        Map(app, settings, assets, catalog, events, queue);
        try
        {
            await app.StartAsync();
        }
        catch (IOException e)
        {
            watcher.Dispose();
            queue.Dispose();
            await app.DisposeAsync();
            throw new UserError($"--port {settings.Port}: cannot listen on {settings.Host}:{settings.Port} ({e.Message}); give another " +
                                "--port (0 picks a free one)");
        }
        var bound = app.Urls.First();
        return new ServerApp(app, watcher, new Uri(bound.EndsWith('/') ? bound : bound + "/"), settings.Token, queue, events, catalog);
    }

    private static void Map(WebApplication app, ServeSettings settings, WebAssets assets, RunCatalog catalog, RunEvents events,
        RunQueue queue)
    {
        foreach (var page in new[] { "/", "/index.html", "/app.js", "/style.css" })
            app.MapGet(page, () => assets.TryGet(page, out var bytes, out var type) ? Results.Bytes(bytes, type) : Results.NotFound());

        app.MapGet("/api/options", () => Results.Json(new
        {
            pipelines = Configuration.Pipelines.Names,
            defaultPipeline = Configuration.Pipelines.Default,
            strategies = Diffusion.TimestepStrategies.Names,
            maxUploadBytes = settings.MaxUploadBytes,
        }, Json));

        app.MapGet("/api/runs", () => Results.Json(new { runs = List(catalog, queue) }, Json));

        app.MapGet("/api/run", (string? id) =>
        {
            var folder = catalog.FolderOf(id);
            if (folder == null)
                return queue.Find(id ?? "") is { } known ? Results.Json(new { summary = Row(catalog, known) }, Json) : UnknownRun(id);
            try
            {
                var summary = Summarize(catalog, queue, folder);
                return Results.Json(RunDetails.Read(catalog, folder, summary), Json);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return UnknownRun(id); // deleted while it was read
            }
        });

        app.MapPost("/api/runs", async (HttpRequest request) =>
        {
            try
            {
                var (job, subject) = await FormJob(request, catalog, settings);
                var config = job.ToConfig("form", settings.Device);
                var run = queue.Start(config, subject);
                return Results.Json(new { id = run.Id }, Json, statusCode: 202);
            }
            catch (UserError e) { return Error(400, e.Message); }
            catch (UploadRefusedException e) { return Error(e.Status, e.Message); }
            catch (BadHttpRequestException e) { return Error(e.StatusCode, $"the form: {e.Message}"); }
            catch (InvalidDataException e) { return Error(400, $"the form: {e.Message}"); }
        });

        app.MapPost("/api/run/cancel", (string? id) =>
            queue.Cancel(id ?? "") ? Results.Json(new { id }, Json, statusCode: 202)
            : catalog.FolderOf(id) == null && queue.Find(id ?? "") == null ? UnknownRun(id)
            : Error(409, $"run {id}: is not running or queued in this app"));

        app.MapPost("/api/run/resume", (string? id) =>
        {
            var folder = catalog.FolderOf(id);
            if (folder == null) return UnknownRun(id);
            try { return Results.Json(new { id = queue.Resume(folder).Id }, Json, statusCode: 202); }
            catch (UserError e) { return Error(409, e.Message); }
        });

        app.MapGet("/api/events", (HttpContext context, IHostApplicationLifetime life) =>
            TypedResults.ServerSentEvents(Stream(events, context.RequestAborted, life.ApplicationStopping)));

        app.MapGet("/files/{**path}", (string path) =>
        {
            var full = SafePath.Resolve(catalog.Root, path);
            if (full == null || !File.Exists(full)) return Error(404, $"no file {path} in the runs folder");
            return Results.File(full, ContentType(full), enableRangeProcessing: true);
        });
    }

    private static async IAsyncEnumerable<SseItem<string>> Stream(RunEvents events, [EnumeratorCancellation] CancellationToken aborted,
        CancellationToken stopping)
    {
        using var until = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping);
        var reader = events.Subscribe(until.Token);
        yield return new SseItem<string>("{}", "hello");
        while (true)
        {
            ServerEvent e;
            try
            {
                if (!await reader.WaitToReadAsync(until.Token) || !reader.TryRead(out e!)) yield break;
            }
            catch (OperationCanceledException) { yield break; }
            yield return new SseItem<string>(JsonSerializer.Serialize(e, Json), e.Type);
        }
    }

    private static IReadOnlyList<RunSummary> List(RunCatalog catalog, RunQueue queue)
    {
        var rows = new List<RunSummary>();
        foreach (var folder in catalog.Folders())
            try { rows.Add(Summarize(catalog, queue, folder)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // deleted while the list was read: it is simply not listed
            }
        var listed = rows.Select(r => r.Id).ToHashSet();
        // queued runs have no configuration written yet, and a failed start may have left no folder
        rows.InsertRange(0, queue.Known.Where(k => !listed.Contains(k.Id)).Select(k => Row(catalog, k)));
        return rows;
    }

    private static RunSummary Summarize(RunCatalog catalog, RunQueue queue, string folder)
    {
        var known = queue.Find(catalog.IdOf(folder));
        var summary = catalog.Summarize(folder, known?.State, known?.Message);
        return known?.Progress != null ? summary with { Progress = known.Progress } : summary;
    }

    private static RunSummary Row(RunCatalog catalog, QueuedRun run) => run.Config is { } c
        ? RunCatalog.Row(run.Id, System.Text.Json.Nodes.JsonNode.Parse(c.ToJson()), run.State, run.Message, run.Folder) with
        {
            Progress = run.Progress,
        }
        : catalog.Summarize(run.Folder, run.State, run.Message);

    private static async Task<(BatchJob Job, string Subject)> FormJob(HttpRequest request, RunCatalog catalog, ServeSettings settings)
    {
        if (!request.HasFormContentType) throw new UserError("the form: expected multipart/form-data");
        IFormCollection form;
        try { form = await request.ReadFormAsync(); }
        catch (InvalidDataException)
        {
            throw new UploadRefusedException(413, $"the form: over the {settings.MaxUploadBytes >> 20} MB limit for a picture");
        }
        string? Text(string key) => form[key].ToString() is { Length: > 0 } v ? v.Trim() : null;
        long? Long(string key) => Text(key) is { } v
            ? long.TryParse(v, out var n) ? n : throw new UserError($"the form's {key}: '{v}' is not a whole number") : null;
        var prompt = Text("prompt");
        string? image = null;
        if (form.Files.GetFile("image") is { } file)
        {
            var head = new byte[16];
            await using (var s = file.OpenReadStream()) _ = await s.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false);
            var extension = UploadPolicy.Check(file.FileName, file.Length, head, settings.MaxUploadBytes);
            var uploads = Path.Combine(catalog.Root, ".uploads");
            Directory.CreateDirectory(uploads);
            image = Path.Combine(uploads, $"{Path.GetFileNameWithoutExtension(file.FileName)}-{Guid.NewGuid():N}"[..40] + extension);
            var partial = image + ".part";
            await using (var s = File.Create(partial)) await file.CopyToAsync(s);
            File.Move(partial, image);
        }
        if (prompt == null && image == null) throw new UserError("the form: give a prompt or a picture");
        var iterations = Long("iterations");
        if (iterations is < 1 or > 100_000) throw new UserError($"the form's iterations: {iterations} is not between 1 and 100000");
        var job = new BatchJob(0, prompt, image, Text("pipeline"), Text("strategy"), Long("seed"), (int?)iterations, settings.Set);
        return (job, prompt ?? Path.GetFileNameWithoutExtension(form.Files.GetFile("image")!.FileName));
    }

    private static IResult UnknownRun(string? id) => Error(404, $"no run {id} in the runs folder");

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, Json, statusCode: status);

    private static string ContentType(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".gif" => "image/gif",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".glb" => "model/gltf-binary",
        ".json" => "application/json",
        ".jsonl" or ".csv" or ".txt" or ".mtl" or ".obj" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };

    /// <summary>Waits until the token is cancelled (Ctrl-C) or the app is stopped.</summary>
    public Task WaitAsync(CancellationToken until) => _app.WaitForShutdownAsync(until);

    public async ValueTask DisposeAsync()
    {
        _watcher.Dispose();
        await _app.StopAsync();
        Queue.Dispose();
        await _app.DisposeAsync();
    }
}
