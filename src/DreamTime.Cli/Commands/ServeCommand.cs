using System.CommandLine;
using DreamTime.Server;

namespace DreamTime.Cli.Commands;

/// <summary>`dreamtime serve`: the local web app over a runs folder (<see cref="ServerApp"/>).</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var runs = new Option<string>("--runs")
        {
            Description = "The runs folder: every run folder in it (up to 4 levels down) is listed; runs started from the page go into it.",
            DefaultValueFactory = _ => "runs",
        };
        var port = new Option<int>("--port") { Description = "The port (0 picks a free one).", DefaultValueFactory = _ => 8080 };
        var host = new Option<string>("--host")
        {
            Description = "The address to listen on. Any other than 127.0.0.1/localhost needs an access token.",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var token = new Option<string?>("--token")
        {
            Description = "The access token (default: none on loopback; generated and printed on any other host).",
        };
        var device = new Option<string?>("--device") { Description = "cpu, cuda or cuda:N for runs started from the page (default: cpu)." };
        var set = new Option<string[]>("--set")
        {
            Description = "KEY=VALUE configuration for every run started from the page, as generate's --set (repeatable).",
            AllowMultipleArgumentsPerToken = false,
        };
        var cmd = new Command("serve", "A web app in the browser: the runs of a folder live (progress, previews, curves, turntable, " +
                                       "metrics, a 3D view of the model), and runs started, cancelled and resumed from the page. " +
                                       "Runs queue one at a time per device. Ctrl-C stops it (a running run saves its checkpoint).");
        foreach (var o in new Option[] { runs, port, host, token, device, set }) cmd.Options.Add(o);
        cmd.SetAction(async (p, _) =>
        {
            var settings = new ServeSettings(p.GetValue(runs)!, p.GetValue(host)!, p.GetValue(port), p.GetValue(token), p.GetValue(device))
            {
                Set = p.GetValue(set) ?? [],
            };
            using var cancel = new CancellationTokenSource();
            await using var app = await ServerApp.StartAsync(settings);
            using var signals = new StopSignals(cancel, TextWriter.Null);
            var url = app.Token == null ? app.Address.ToString() : $"{app.Address}?token={app.Token}";
            p.InvocationConfiguration.Output.WriteLine($"serving {app.Catalog.Root} at {url} (Ctrl-C stops)");
            if (app.Address.Host is "0.0.0.0" or "[::]")
                p.InvocationConfiguration.Output.WriteLine(
                    $"from another machine, open it with this machine's name or address in place of {app.Address.Host}");
            await app.WaitAsync(cancel.Token);
            p.InvocationConfiguration.Error.WriteLine("stopping: a running run saves its checkpoint first...");
            return 0;
        });
        return cmd;
    }
}
