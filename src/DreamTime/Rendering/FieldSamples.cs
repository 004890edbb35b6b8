using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>What a field says about a batch of points: density [N] (>= 0), albedo [N,3] in [0,1], unit normals [N,3] when asked.</summary>
public sealed record FieldSamples(Tensor Density, Tensor Albedo, Tensor? Normal);
