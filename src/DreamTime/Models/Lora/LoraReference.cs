using DreamTime.Runtime;

namespace DreamTime.Models.Lora;

/// <summary>A LoRA file to merge into a model, and its scale (1 = as trained; `--lora FILE[:SCALE]`).</summary>
public sealed record LoraReference(string File, double Scale = 1)
{
    public void Validate(string key)
    {
        if (string.IsNullOrWhiteSpace(File)) throw new UserError(key, "has an empty file name");
        if (!double.IsFinite(Scale)) throw new UserError(key, $"{File}: scale {Scale} is not a finite number");
        if (!System.IO.File.Exists(File)) throw new UserError(key, $"{File}: no such LoRA file");
    }
}
