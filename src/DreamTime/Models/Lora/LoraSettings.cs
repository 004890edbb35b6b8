using DreamTime.Runtime;

namespace DreamTime.Models.Lora;

/// <summary>
/// The shape of a trainable LoRA: its rank, its alpha (the update is scaled by alpha / rank) and the projections it
/// adapts, named as the attention modules name them (diffusers' UNet: to_q, to_k, to_v, to_out.0; CLIP: q_proj,
/// k_proj, v_proj, out_proj).
/// </summary>
public sealed record LoraSettings
{
    public static readonly string[] UnetProjections = ["to_q", "to_k", "to_v", "to_out.0"];
    public static readonly string[] TextProjections = ["q_proj", "k_proj", "v_proj", "out_proj"];

    public int Rank { get; init; } = 4;
    /// <summary>null = the rank (a scale of 1, diffusers' convention for files that carry no alpha).</summary>
    public double? Alpha { get; init; }
    /// <summary>Which projections get an adapter; null = every attention projection.</summary>
    public IReadOnlyList<string>? Targets { get; init; }

    public double EffectiveAlpha => Alpha ?? Rank;

    /// <summary>Checks the settings; keys are relative to where the settings sit (e.g. guidance.lora_rank).</summary>
    public void Validate(string prefix = "lora_")
    {
        if (Rank < 1) throw new UserError(prefix + "rank", $"is {Rank}; must be 1 or more");
        if (Alpha is double a && (!double.IsFinite(a) || a <= 0)) throw new UserError(prefix + "alpha", $"is {a}; must be positive");
        if (Targets is null) return;
        if (Targets.Count == 0) throw new UserError(prefix + "targets", "is empty; name at least one projection or remove the key");
        foreach (var t in Targets)
            if (!UnetProjections.Contains(t) && !TextProjections.Contains(t))
                throw new UserError(prefix + "targets",
                    $"\"{t}\" is not an attention projection; allowed: {string.Join(", ", UnetProjections.Concat(TextProjections))}");
    }

    /// <summary>Whether a projection of a module gets an adapter.</summary>
    public bool Adapts(string projection) => Targets is null || Targets.Contains(projection);
}
