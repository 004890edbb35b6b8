namespace DreamTime.Training;

/// <summary>
/// A run folder held by this process: an OS advisory lock on its open `.lock` file (a killed process releases it). The
/// file is removed when the lock is let go, so a refused or finished command leaves the folder as it found it.
/// </summary>
public sealed class RunFolderLock(FileStream file, string path) : IDisposable
{
    public void Dispose()
    {
        // removed while still held, so it is never another process's file that goes
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        file.Dispose();
    }
}
