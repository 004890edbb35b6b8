using DreamTime.Guidance.BuiltinPrior;

namespace DreamTime.Guidance;

/// <summary>The built-in prior: exact denoiser of procedural scene families (no downloads).</summary>
public sealed record BuiltinPriorSettings : BuiltinPriorFamilySettings
{
    /// <summary>Members of the unconditional model: "all" families or the prompt's "family".</summary>
    public string Unconditional { get; init; } = "all";

    public override BuiltinPriorOptions ToOptions() => base.ToOptions() with
    {
        Unconditional = BuiltinPriorOptions.ParseUnconditional(Unconditional ?? ""),
    };
}
