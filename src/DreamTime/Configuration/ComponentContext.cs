using DreamTime.Representations;
using static TorchSharp.torch;

namespace DreamTime.Configuration;

/// <summary>What a component factory may use: the whole run configuration, the
/// device, and for a later stage the previous stage's representation.</summary>
public sealed record ComponentContext(TrainConfig Config, Device Device, IRepresentation? Previous = null);
