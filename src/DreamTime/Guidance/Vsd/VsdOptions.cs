using DreamTime.Models.Lora;
using DreamTime.Runtime;

namespace DreamTime.Guidance.Vsd;

/// <summary>
/// What the LoRA copy of variational score distillation is made of and how it trains (ProlificDreamer's defaults:
/// rank 4 on every attention projection, AdamW at 1e-4, the camera dropped 10% of the time, the copy's own noise
/// estimate taken without classifier-free guidance).
/// </summary>
public sealed record VsdOptions
{
    public LoraSettings Lora { get; init; } = new();
    public double LearningRate { get; init; } = 1e-4;
    /// <summary>The chance that a LoRA training item sees no camera (a zero matrix), so the copy also learns the
    /// unconditioned score.</summary>
    public double CameraDropout { get; init; } = 0.1;
    /// <summary>Classifier-free guidance of the copy's estimate between camera and no camera; 1 = the camera-conditioned
    /// estimate.</summary>
    public double LoraGuidanceScale { get; init; } = 1;
    /// <summary>Seeds the adapters and the camera embedding (the trainer passes the run's stage seed).</summary>
    public long Seed { get; init; }

    public void Validate()
    {
        Lora.Validate();
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate)) throw new UserError("lora_lr", $"is {LearningRate}; must be positive");
        if (!(CameraDropout >= 0 && CameraDropout < 1)) throw new UserError("camera_dropout", $"is {CameraDropout}; must be in [0, 1)");
        if (!double.IsFinite(LoraGuidanceScale)) throw new UserError("lora_guidance_scale", $"is {LoraGuidanceScale}; must be finite");
    }
}
