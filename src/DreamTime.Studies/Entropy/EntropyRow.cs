namespace DreamTime.Studies.Entropy;

/// <summary>One row of the coarse-to-fine measurement.</summary>
/// <param name="MeanEntropy">Mean entropy (nats) of the posterior weights.</param>
/// <param name="MeanTopWeight">Mean largest weight.</param>
/// <param name="TopIsTrue">Fraction of samples whose largest weight is on the member x_t was made from.</param>
public sealed record EntropyRow(int T, double AlphaBar, double MeanEntropy, double MeanTopWeight, double TopIsTrue);
