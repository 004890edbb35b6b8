namespace DreamTime.Runtime;

/// <summary>Writes files so that a reader never sees a half-written one: write beside, then rename.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Environment.ProcessId + ".tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(fs);
                fs.Flush(true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch { /* best effort */ }
            throw;
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { var b = System.Text.Encoding.UTF8.GetBytes(text); s.Write(b, 0, b.Length); });

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes, 0, bytes.Length));

    /// <summary>
    /// Replaces a whole folder so that a reader sees either the previous folder or the complete new one: fill
    /// writes into a temporary folder beside it (".tmp-NAME"), which is then swapped in by renames. An interruption
    /// during the swap can leave the previous folder as ".old-NAME" beside it.
    /// </summary>
    public static void WriteFolder(string dir, Action<string> fill)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir));
        var parent = Path.GetDirectoryName(full)!;
        var name = Path.GetFileName(full);
        Directory.CreateDirectory(parent);
        var tmp = Path.Combine(parent, ".tmp-" + name);
        var old = Path.Combine(parent, ".old-" + name);
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        try { fill(tmp); }
        catch
        {
            try { Directory.Delete(tmp, true); } catch { /* best effort */ }
            throw;
        }
        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(full)) Directory.Move(full, old);
        Directory.Move(tmp, full);
        if (Directory.Exists(old)) Directory.Delete(old, true);
    }

    /// <summary>Checks up front that a file can be created in the folder, so a run fails before doing work.</summary>
    public static void EnsureWritableFolder(string dir, string what)
    {
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, ".write-test-" + Environment.ProcessId);
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"{what} {dir}: folder is not writable ({e.Message})");
        }
    }

    public static void EnsureWritableFile(string path, string what)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (Directory.Exists(full)) throw new UserError($"{what} {path}: is a folder, expected a file path");
        EnsureWritableFolder(dir, what);
    }
}
