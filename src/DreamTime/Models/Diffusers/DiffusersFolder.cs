using System.Text.Json.Nodes;
using DreamTime.IO;
using DreamTime.Runtime;

namespace DreamTime.Models.Diffusers;

/// <summary>model_index.json and the component folders it names.</summary>
public sealed class DiffusersFolder
{
    public string Folder { get; }
    public JsonObject Index { get; }

    private DiffusersFolder(string folder, JsonObject index)
    {
        Folder = folder;
        Index = index;
    }

    public static DiffusersFolder Open(string folder)
    {
        if (!Directory.Exists(folder)) throw new UserError("model", $"{folder}: folder not found");
        var indexPath = Path.Combine(folder, "model_index.json");
        if (!File.Exists(indexPath)) throw new UserError("model", $"{folder}: not a diffusers checkpoint folder (no model_index.json)");
        var cfg = ConfigJson.Read(indexPath);
        return new DiffusersFolder(folder, cfg.Root);
    }

    public string ComponentFolder(string component)
    {
        var dir = Path.Combine(Folder, component);
        if (!Directory.Exists(dir)) throw new UserError($"{Folder}: missing component folder {component}/");
        return dir;
    }

    /// <summary>
    /// True when model_index.json lists no vae (absent, null or [null, null], as diffusers writes a pipeline saved
    /// without one). A vae/ folder that the index does not list is refused rather than ignored, because a latent
    /// checkpoint whose index lost its vae entry would otherwise fail later with a confusing channel mismatch.
    /// </summary>
    public bool IsPixelSpace()
    {
        if (Listed("vae")) return false;
        if (Directory.Exists(Path.Combine(Folder, "vae")))
            throw new UserError($"{Path.Combine(Folder, "model_index.json")}: lists no vae, but the folder has vae/; add \"vae\": " +
                "[\"diffusers\", \"AutoencoderKL\"] to use it, or remove vae/ for a pixel-space model");
        return true;
    }

    private bool Listed(string component) =>
        Index.TryGetPropertyValue(component, out var entry) && entry is not null && !(entry is JsonArray arr && arr.All(e => e is null));

    /// <summary>Reads a component's config after checking that model_index.json lists it (with the expected class, when given).</summary>
    public ConfigJson ComponentConfig(string component, string fileName, string? expectedClass)
    {
        var indexPath = Path.Combine(Folder, "model_index.json");
        if (!Index.TryGetPropertyValue(component, out var entry) || entry is not JsonArray arr || arr.Count != 2 || arr[1] == null)
            throw new UserError($"{indexPath}: component '{component}' is missing; a Stable Diffusion checkpoint needs text_encoder, " +
                "unet and scheduler (and vae unless it is pixel-space)");
        var cls = arr[1]!.ToString();
        if (expectedClass != null && cls != expectedClass)
            throw new UserError($"{indexPath}: component '{component}' is a {cls}; only {expectedClass} is supported");
        var path = Path.Combine(ComponentFolder(component), fileName);
        if (!File.Exists(path)) throw new UserError($"{path}: file not found (component '{component}' needs its {fileName})");
        return ConfigJson.Read(path);
    }
}
