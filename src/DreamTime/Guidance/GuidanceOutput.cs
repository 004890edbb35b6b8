using static TorchSharp.torch;

namespace DreamTime.Guidance;

/// <summary>
/// What one guidance step produced: loss terms by name (each already weighted; the trainer sums and logs them)
/// and statistics by name (logged, not optimised).
/// </summary>
public sealed record GuidanceOutput(IReadOnlyDictionary<string, Tensor> Losses, IReadOnlyDictionary<string, double> Stats);
