using DreamTime.Rendering;
using static TorchSharp.torch;

namespace DreamTime.Guidance;

/// <summary>One step's input: the full render (rgb, opacity, depth, normals),
/// its cameras, the conditioning, t and the noise stream.</summary>
public sealed record GuidanceInput(RenderOutput Render, IReadOnlyList<Camera> Cameras, Conditioning Condition, int T, Generator Noise);
