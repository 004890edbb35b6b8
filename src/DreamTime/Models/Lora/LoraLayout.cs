namespace DreamTime.Models.Lora;

/// <summary>The two layouts LoRA safetensors come in.</summary>
public enum LoraLayout
{
    /// <summary>diffusers / PEFT: "unet.{module}.lora_A.weight" and "lora_B.weight"; alpha in the file's metadata.</summary>
    Diffusers,
    /// <summary>kohya-ss: "lora_unet_{module_flat}.lora_down.weight", ".lora_up.weight" and ".alpha".</summary>
    Kohya,
}
