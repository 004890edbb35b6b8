using System.Runtime.InteropServices;

namespace DreamTime.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM both ask a long run to stop after its current step and save a checkpoint:
/// `kill PID`, a job scheduler's stop or a container's shutdown sends SIGTERM, and a background job started from a
/// script ignores SIGINT, so Ctrl-C alone would leave those runs to lose everything since their last checkpoint.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;

    public StopSignals(CancellationTokenSource cancel, TextWriter err)
    {
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // the process stays up to finish the step and write the checkpoint
            if (cancel.IsCancellationRequested) return;
            err.WriteLine($"\n{(context.Signal == PosixSignal.SIGINT ? "Ctrl-C" : context.Signal.ToString())}: stopping after this step " +
                          $"and saving a checkpoint...");
            cancel.Cancel();
        }
        _registrations = new[]
        {
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        };
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
    }
}
