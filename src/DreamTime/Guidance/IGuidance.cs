using DreamTime.Diffusion;
using DreamTime.Optimization;

namespace DreamTime.Guidance;

/// <summary>
/// A frozen 2D diffusion prior that turns renders into loss terms. The timestep comes from the trainer's
/// strategy (one t for the whole batch); a guidance never picks t itself.
/// </summary>
public interface IGuidance : IDisposable
{
    /// <summary>The registered type name ("builtin", "stable-diffusion", ...).</summary>
    string Name { get; }
    NoiseSchedule Schedule { get; }

    GuidanceOutput Step(GuidanceInput input);

    /// <summary>Hook called at the start of every training step (threestudio's update_step).</summary>
    void UpdateStep(int step) { }

    /// <summary>
    /// Parameters the guidance trains alongside the representation (e.g. VSD's LoRA), by group with learning
    /// rates. The trainer optimises them and checkpoints save and restore them. Frozen priors have none.
    /// </summary>
    IReadOnlyList<ParameterGroup> TrainableGroups => [];
}
