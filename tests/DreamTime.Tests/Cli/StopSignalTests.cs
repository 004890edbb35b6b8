using System.Diagnostics;
using DreamTime.Cli.Commands;
using Xunit;

namespace DreamTime.Tests.Cli;

/// <summary>SIGTERM (kill PID, a scheduler's stop) ends a long run the way Ctrl-C does: after the step, with a checkpoint.</summary>
public class StopSignalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dt-sigterm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task SigtermStopsAPriorTrainingWithACheckpoint()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "DreamTime.Cli.dll");
        var run = Path.Combine(_dir, "train");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { cli, "prior", "train", "--out", run, "--steps", "100000", "--batch-size", "2", "--channels", "32,64,64",
            "--checkpoint-every", "100000" })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var metrics = Path.Combine(run, "metrics.jsonl");
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!(File.Exists(metrics) && File.ReadAllText(metrics).Contains("\"step\":2,")) && !process.HasExited
            && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        if (process.HasExited) Assert.Fail("the training ended before the signal: " + await stderr);
        Process.Start("kill", new[] { "-TERM", process.Id.ToString() })!.WaitForExit();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2))) await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(GenerateCommand.InterruptedExit, process.ExitCode);
        Assert.Contains("SIGTERM: stopping after this step", await stderr);
        // the checkpoint holds the last finished step, and every step the log records
        int step = int.Parse(File.ReadAllText(Path.Combine(run, "checkpoints", "last", "step.txt")).Trim());
        Assert.True(step >= 2);
        Assert.Equal(step, File.ReadAllLines(metrics).Length);
    }
}
