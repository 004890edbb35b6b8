namespace DreamTime.Training;

/// <summary>Reports nothing.</summary>
public sealed class SilentRunObserver : IRunObserver
{
    public static readonly SilentRunObserver Instance = new();
    public void Log(string message) { }
}
