namespace DreamTime.Server.Security;

/// <summary>
/// Turns a path from a request into a file or folder inside the runs folder, or refuses it: no `..`, no absolute
/// path, no hidden name (the lock file, uploads), and no symbolic link on the way that leads outside the folder.
/// </summary>
public static class SafePath
{
    /// <returns>the full path, or null when the request may not reach it (the caller answers 404)</returns>
    public static string? Resolve(string root, string? relative)
    {
        if (string.IsNullOrEmpty(relative) || relative.Contains('\0') || relative.Contains('\\')) return null;
        var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (relative.StartsWith('/') || parts.Length == 0 || parts.Any(p => p == "." || p == ".." || p.StartsWith('.'))) return null;
        var realRoot = RealPath(root);
        var path = realRoot;
        foreach (var part in parts)
        {
            path = Path.Combine(path, part);
            var info = new FileInfo(path);
            if (info.LinkTarget != null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName;
                if (target == null || !Inside(realRoot, RealPath(target))) return null;
            }
        }
        var full = Path.GetFullPath(path);
        return Inside(realRoot, full) ? full : null;
    }

    private static bool Inside(string root, string path) =>
        path.StartsWith(root.TrimEnd('/') + "/", StringComparison.Ordinal);

    /// <summary>The folder's full path with any symbolic links in it followed (the runs folder itself may be one).</summary>
    private static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var info = new DirectoryInfo(full);
        if (info.LinkTarget != null && info.ResolveLinkTarget(true) is { } target) return Path.GetFullPath(target.FullName);
        return full;
    }
}
