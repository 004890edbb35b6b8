using System.Diagnostics;
using DreamTime.Training;

namespace DreamTime.Cli;

/// <summary>Follows a run on the console: log lines, and a progress bar with t, loss and the latest PSNR.</summary>
public sealed class ProgressObserver(TextWriter output) : IRunObserver
{
    private readonly bool _interactive = output == Console.Error && !Console.IsErrorRedirected;
    private ProgressBar? _bar;
    private double? _lastPsnr;

    public void Log(string message)
    {
        _bar?.Finish();
        output.WriteLine(message);
    }

    public void Started(int first, int last)
    {
        if (first <= last) _bar = new ProgressBar(last, first - 1, output, _interactive);
    }

    public void StepCompleted(StepRecord record, int last)
    {
        _lastPsnr = record.Psnr ?? _lastPsnr;
        _bar?.Report(record.Step, $"t={record.T} loss={record.Loss:G4}" + (_lastPsnr is double p ? $" psnr={p:F2}" : ""));
    }

    public void Stopped()
    {
        _bar?.Finish();
        _bar = null;
    }
}
