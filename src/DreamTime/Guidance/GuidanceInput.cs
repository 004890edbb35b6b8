using DreamTime.Diffusion;
using DreamTime.Rendering;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DreamTime.Optimization;

namespace DreamTime.Guidance;

/// <summary>One step's input: the full render (rgb, opacity, depth, normals), its cameras, the conditioning, t and the noise stream.</summary>
public sealed record GuidanceInput(RenderOutput Render, IReadOnlyList<Camera> Cameras, Conditioning Condition, int T, Generator Noise);
