using DreamTime.Training;

namespace DreamTime.Cli;

/// <summary>Follows a run on the console: log lines, and a progress bar with t, loss and the latest PSNR.</summary>
public sealed class ProgressObserver(TextWriter output) : IRunObserver
{
    private readonly bool _interactive = output == Console.Error && !Console.IsErrorRedirected;
    private ProgressBar? _bar;
    private string _lastMetrics = "";

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
        if (record.Evaluation != null)
            _lastMetrics = string.Concat(record.Evaluation.Metrics.Select(m => FormattableString.Invariant($" {m.Key}={m.Value:G4}")));
        _bar?.Report(record.Step, FormattableString.Invariant($"t={record.T} loss={record.Loss:G4}") + _lastMetrics);
    }

    public void Stopped()
    {
        _bar?.Finish();
        _bar = null;
    }
}
