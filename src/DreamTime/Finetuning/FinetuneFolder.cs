namespace DreamTime.Finetuning;

/// <summary>What `finetune` writes into its output folder.</summary>
public sealed class FinetuneFolder(string root)
{
    public string Root { get; } = Path.GetFullPath(root);
    public string Config => Path.Combine(Root, "finetune_config.json");
    /// <summary>The model's own samples for the class prompt: PNGs for a look, and the tensors training reads.</summary>
    public string ClassImages => Path.Combine(Root, "class_images");
    public string ClassTensors => Path.Combine(ClassImages, "class_images.safetensors");
    public string Checkpoint => Path.Combine(Root, "checkpoints", "last");
    public string MetricsLog => Path.Combine(Root, "metrics.jsonl");
    /// <summary>Full fine-tuning: the whole pipeline, a diffusers folder `generate --model` loads.</summary>
    public string Model => Path.Combine(Root, "model");
    /// <summary>LoRA fine-tuning: the adapters (diffusers layout) `generate --lora` merges.</summary>
    public string Lora => Path.Combine(Root, "pytorch_lora_weights.safetensors");
    /// <summary>Samples of the instance prompt before and after, side by side.</summary>
    public string Samples => Path.Combine(Root, "samples.png");
}
