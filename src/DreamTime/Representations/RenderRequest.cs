using DreamTime.Geometry;
using DreamTime.Rendering;
using TorchSharp.Modules;
using static TorchSharp.torch;
using DreamTime.Optimization;

namespace DreamTime.Representations;

/// <summary>What one render is asked for. Jitter: stratified-sampling generator in training; null = deterministic.</summary>
public sealed record RenderRequest(IReadOnlyList<Camera> Cameras, int Height, int Width, ShadingMode Shading, Lighting Light, Generator? Jitter = null);
