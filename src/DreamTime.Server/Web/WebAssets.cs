using DreamTime.Runtime;

namespace DreamTime.Server.Web;

/// <summary>The page, its style and its bundled script (three.js included), embedded in this assembly at build time.</summary>
public sealed class WebAssets
{
    private readonly Dictionary<string, (byte[] Bytes, string Type)> _files = [];

    private WebAssets() { }

    public static WebAssets Load()
    {
        var assets = new WebAssets();
        var assembly = typeof(WebAssets).Assembly;
        foreach (var (name, type) in new[]
                 {
                     ("index.html", "text/html; charset=utf-8"), ("app.js", "text/javascript; charset=utf-8"),
                     ("style.css", "text/css; charset=utf-8"),
                 })
        {
            using var stream = assembly.GetManifestResourceStream("web/" + name);
            if (stream == null)
                throw new UserError($"serve: this build has no web/{name} (npm was missing when it was built); install Node.js and " +
                                    "npm, then build again");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets._files["/" + name] = (copy.ToArray(), type);
        }
        assets._files["/"] = assets._files["/index.html"];
        return assets;
    }

    public bool TryGet(string path, out byte[] bytes, out string type)
    {
        var found = _files.TryGetValue(path, out var file);
        (bytes, type) = found ? file : ([], "");
        return found;
    }
}
