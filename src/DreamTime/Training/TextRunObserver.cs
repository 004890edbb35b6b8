namespace DreamTime.Training;

/// <summary>Writes log lines to a text writer and ignores progress (tests, batch jobs).</summary>
public sealed class TextRunObserver(TextWriter writer) : IRunObserver
{
    public void Log(string message) => writer.WriteLine(message);
}
