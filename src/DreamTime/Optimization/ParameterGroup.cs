using Parameter = TorchSharp.Modules.Parameter;

namespace DreamTime.Optimization;

/// <summary>
/// Parameters that share a learning rate and optimiser constants (nerfstudio's param groups): their owner decides
/// both. Optimizer null = <see cref="OptimizerSettings.Adam"/>.
/// </summary>
public sealed record ParameterGroup(string Name, IReadOnlyList<Parameter> Parameters, double LearningRate,
    OptimizerSettings? Optimizer = null);
