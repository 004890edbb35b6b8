namespace DreamTime.Training;

/// <summary>
/// Where a run reports to. The library never writes to the console itself: the CLI draws a progress bar from
/// these calls, tests collect them, and an embedding application can follow a run from anywhere.
/// </summary>
public interface IRunObserver
{
    /// <summary>A line for the user (what is starting, a warning, where the outputs are).</summary>
    void Log(string message);

    /// <summary>Training is about to run steps first..last (first > last when there is nothing left to train).</summary>
    void Started(int first, int last) { }

    /// <summary>A step finished; its record holds the losses, stats and any evaluation.</summary>
    void StepCompleted(StepRecord record, int last) { }

    /// <summary>No more steps in this session (finished, interrupted or failed).</summary>
    void Stopped() { }
}
