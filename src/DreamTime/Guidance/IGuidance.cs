using DreamTime.Diffusion;
using DreamTime.Rendering;
using static TorchSharp.torch;

namespace DreamTime.Guidance;

/// <summary>What one score-distillation step produced.</summary>
/// <param name="Loss">Scalar whose gradient with respect to the images is the SDS gradient (already weighted by w(t)).</param>
/// <param name="GradNorm">L2 norm of that gradient, for logging.</param>
/// <param name="Stats">Anything else worth logging (e.g. posterior entropy), by name.</param>
public sealed record GuidanceResult(Tensor Loss, double GradNorm, IReadOnlyDictionary<string, double> Stats);

/// <summary>
/// A frozen 2D diffusion prior that turns renders into a score-distillation loss. The timestep comes from
/// the trainer's strategy (one t for the whole batch); the guidance never picks t itself.
/// </summary>
public interface IGuidance : IDisposable
{
    string Name { get; }
    NoiseSchedule Schedule { get; }

    /// <param name="images">Renders [B,H,W,3] in [0,1], part of the autograd graph.</param>
    /// <param name="cameras">The B cameras the images were rendered from.</param>
    /// <param name="t">Timestep in [0, T).</param>
    /// <param name="noise">Generator for the noise of this step (seeded from run seed and step).</param>
    GuidanceResult Step(Tensor images, IReadOnlyList<Camera> cameras, int t, Generator noise);
}
