using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using DreamTime.Batch;
using DreamTime.Server;
using DreamTime.Training;

namespace DreamTime.Studies.Benchmarks;

/// <summary>
/// Times how late `dreamtime serve`'s event stream shows a step: the app over a fresh runs folder, an event stream
/// read as a page reads it, then one run started through the app's HTTP form (its steps come from its observer)
/// and one trained beside the app in this process, as a terminal's `generate` would (its steps come from file
/// notifications on metrics.jsonl). Each step event carries when the step finished; the delay is measured on the
/// same clock when the event is read.
/// </summary>
public static class ServeBenchmark
{
    public static async Task<ServeBenchmarkResult> RunAsync(ServeBenchmarkSettings settings)
    {
        settings.Validate();
        var root = Directory.CreateTempSubdirectory("dt-serve-bench-").FullName;
        try
        {
            await using var app = await ServerApp.StartAsync(new ServeSettings(root, Port: 0) { Set = settings.Set });
            using var http = new HttpClient { BaseAddress = app.Address, Timeout = Timeout.InfiniteTimeSpan };
            var delays = new ConcurrentDictionary<string, ConcurrentBag<(int Step, double Ms)>>();
            using var stop = new CancellationTokenSource();
            var reading = Read(http, delays, stop.Token);

            var form = new MultipartFormDataContent
            {
                { new StringContent("a red mushroom"), "prompt" }, { new StringContent("dreamfusion"), "pipeline" },
                { new StringContent(settings.Iterations.ToString(System.Globalization.CultureInfo.InvariantCulture)), "iterations" },
            };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/runs") { Content = form };
            request.Headers.Add("Origin", app.Address.GetLeftPart(UriPartial.Authority));
            using var response = await http.SendAsync(request);
            var pageId = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!;
            await WaitFor(delays, pageId, settings.Iterations);

            var config = new BatchJob(0, "a snowman", null, "dreamfusion", null, null, settings.Iterations, settings.Set)
                .ToConfig("benchmark");
            await Task.Run(() =>
            {
                using var run = GenerationRun.Start(config, Path.Combine(root, "terminal"), false, SilentRunObserver.Instance);
                run.Run(CancellationToken.None);
            });
            await WaitFor(delays, "terminal", settings.Iterations, TimeSpan.FromSeconds(5));
            await stop.CancelAsync();
            await reading;
            return new ServeBenchmarkResult(settings,
            [
                Row("page run (observer)", settings.Iterations, delays.GetValueOrDefault(pageId)),
                Row("terminal run (file notifications)", settings.Iterations, delays.GetValueOrDefault("terminal")),
            ]);
        }
        finally { Directory.Delete(root, true); }
    }

    private static ServeLatencyRow Row(string path, int steps, ConcurrentBag<(int Step, double Ms)>? seen)
    {
        var ms = seen?.Select(s => s.Ms).Order().ToArray() ?? [];
        if (ms.Length == 0) return new ServeLatencyRow(path, steps, 0, double.NaN, double.NaN, double.NaN);
        double p95 = ms[(int)Math.Min(ms.Length - 1, Math.Ceiling(0.95 * ms.Length) - 1)];
        return new ServeLatencyRow(path, steps, ms.Length, BenchmarkTable.Median(ms), p95, ms[^1]);
    }

    private static async Task Read(HttpClient http, ConcurrentDictionary<string, ConcurrentBag<(int, double)>> delays,
        CancellationToken stop)
    {
        try
        {
            await using var stream = await http.GetStreamAsync("/api/events", stop);
            using var reader = new StreamReader(stream);
            while (await reader.ReadLineAsync(stop) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                var e = JsonNode.Parse(line[6..])!;
                if ((string?)e["type"] != "step") continue;
                double ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (long)e["progress"]!["sent"]!;
                delays.GetOrAdd((string)e["id"]!, _ => []).Add(((int)e["progress"]!["step"]!, ms));
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Until the run's last step has been seen (or, for a run whose steps may be coalesced, a little after it ended).</summary>
    private static async Task WaitFor(ConcurrentDictionary<string, ConcurrentBag<(int Step, double Ms)>> delays, string id, int last,
        TimeSpan? grace = null)
    {
        var deadline = DateTime.UtcNow + (grace ?? TimeSpan.FromHours(1));
        while (DateTime.UtcNow < deadline && !(delays.TryGetValue(id, out var seen) && seen.Any(s => s.Step == last)))
            await Task.Delay(50);
    }
}
