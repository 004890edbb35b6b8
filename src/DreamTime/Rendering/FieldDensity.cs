using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>
/// Densities of a batch of points plus whatever the field keeps to answer appearance questions about a subset
/// of them later (features, activations), so the renderer can skip samples that cannot be seen.
/// </summary>
public sealed record FieldDensity(Tensor Density, Tensor Points, object? State);
