using System.Diagnostics;

namespace DreamTime.Cli;

/// <summary>
/// One-line progress with rate and ETA on stderr. On a terminal it redraws in place; otherwise (CI, pipes)
/// it prints a line at every 5% so logs stay short.
/// </summary>
public sealed class ProgressBar(int total, int start, TextWriter output, bool interactive)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _lastPrintedPercent = -5;
    private bool _lineOpen;
    private int _lastLength;

    public void Report(int done, string status)
    {
        double elapsed = _clock.Elapsed.TotalSeconds;
        int doneHere = done - start;
        double rate = doneHere > 0 ? doneHere / elapsed : 0;
        double eta = rate > 0 ? (total - done) / rate : double.NaN;
        int percent = (int)(100.0 * done / total);
        const int width = 24;
        int filled = (int)Math.Round(width * (double)done / total);
        string speed = rate >= 1 ? $"{rate:F1} it/s" : rate > 0 ? $"{1 / rate:F2} s/it" : "-";
        string bar = new string('#', filled) + new string('.', width - filled);
        string line = $"[{bar}] {done}/{total} {percent,3}% {speed} ETA {Format(eta)} {status}";
        if (interactive)
        {
            output.Write("\r" + line.PadRight(_lastLength));
            _lastLength = line.Length;
            _lineOpen = true;
            if (done == total) Finish();
        }
        else if (percent / 5 != _lastPrintedPercent / 5 || done == total)
        {
            _lastPrintedPercent = percent;
            output.WriteLine(line);
        }
    }

    public void Finish()
    {
        if (!_lineOpen) return;
        output.WriteLine();
        _lineOpen = false;
    }

    public static string Format(double seconds)
    {
        if (double.IsNaN(seconds) || double.IsInfinity(seconds)) return "--:--";
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}" : $"{t.Minutes:D2}:{t.Seconds:D2}";
    }
}
