namespace DreamTime.Optimization;

/// <summary>
/// Adam's constants for one parameter group. The representations keep instant-ngp's (beta2 0.99, eps 1e-15, no
/// decay); a LoRA trains with PyTorch's AdamW defaults, as ProlificDreamer's does.
/// </summary>
public sealed record OptimizerSettings(double Beta1 = 0.9, double Beta2 = 0.99, double Eps = 1e-15, double WeightDecay = 0)
{
    public static OptimizerSettings Adam { get; } = new();
    public static OptimizerSettings AdamW { get; } = new(0.9, 0.999, 1e-8, 0.01);
}
