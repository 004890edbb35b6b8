using DreamTime.Rendering;
using static TorchSharp.torch;

namespace DreamTime.Representations;

/// <summary>What one render is asked for. Jitter: stratified-sampling generator in training; null = deterministic.</summary>
public sealed record RenderRequest(IReadOnlyList<Camera> Cameras, int Height, int Width, ShadingMode Shading, Lighting Light,
    Generator? Jitter = null);
