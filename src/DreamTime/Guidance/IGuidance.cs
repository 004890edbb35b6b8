using DreamTime.Diffusion;
using DreamTime.Rendering;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DreamTime.Optimization;

namespace DreamTime.Guidance;

/// <summary>
/// A reference view for image-conditioned guidance (Zero-1-to-3, the built-in image prior): the image [H,W,3] in
/// [0,1] (the object over white), its foreground mask [H,W] in [0,1], and the camera it was taken from; the
/// guidance derives each training camera's pose relative to it.
/// </summary>
public sealed record ReferenceView(Tensor Image, Tensor Mask, Camera Camera);

/// <summary>What the guidance is conditioned on: a prompt (text-to-3D) and/or a reference view (image-to-3D).</summary>
public sealed record Conditioning(string Prompt, string NegativePrompt = "", ReferenceView? Reference = null);

/// <summary>One step's input: the full render (rgb, opacity, depth, normals), its cameras, the conditioning, t and the noise stream.</summary>
public sealed record GuidanceInput(RenderOutput Render, IReadOnlyList<Camera> Cameras, Conditioning Condition, int T, Generator Noise);

/// <summary>
/// What one guidance step produced: loss terms by name (each already weighted; the trainer sums and logs them)
/// and statistics by name (logged, not optimised).
/// </summary>
public sealed record GuidanceOutput(IReadOnlyDictionary<string, Tensor> Losses, IReadOnlyDictionary<string, double> Stats);

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
