using Parameter = TorchSharp.Modules.Parameter;

namespace DreamTime.Optimization;

/// <summary>Parameters that share a learning rate (nerfstudio's param groups): the representation decides both.</summary>
public sealed record ParameterGroup(string Name, IReadOnlyList<Parameter> Parameters, double LearningRate);
