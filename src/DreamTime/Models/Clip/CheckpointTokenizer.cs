using DreamTime.Runtime;

namespace DreamTime.Models.Clip;

/// <summary>The CLIP tokenizer of a diffusers checkpoint folder (its tokenizer/ subfolder), for `tokenize`.</summary>
public static class CheckpointTokenizer
{
    public static ClipTokenizer Load(string checkpointDir) => ClipTokenizer.FromFolder(Folder(checkpointDir));

    /// <summary>The tokenizer/ folder of a diffusers checkpoint, or a UserError naming what is missing.</summary>
    public static string Folder(string checkpointDir)
    {
        if (!Directory.Exists(checkpointDir)) throw new UserError("model", $"{checkpointDir}: folder not found");
        var index = Path.Combine(checkpointDir, "model_index.json");
        if (!File.Exists(index)) throw new UserError("model", $"{checkpointDir} is not a diffusers checkpoint (no model_index.json)");
        var tokenizer = Path.Combine(checkpointDir, "tokenizer");
        if (!Directory.Exists(tokenizer)) throw new UserError("model", $"{checkpointDir} has no tokenizer/ folder");
        return tokenizer;
    }
}
