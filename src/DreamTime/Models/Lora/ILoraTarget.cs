using TorchSharp.Modules;

namespace DreamTime.Models.Lora;

/// <summary>A module whose linear projections can carry LoRA adapters (the UNet's and CLIP's attention).</summary>
public interface ILoraTarget
{
    /// <summary>The projections by the name their weights have inside the module ("to_q", "to_out.0", "q_proj", ...).</summary>
    IReadOnlyDictionary<string, Linear> Projections { get; }
    LoraSlots Lora { get; }
}
