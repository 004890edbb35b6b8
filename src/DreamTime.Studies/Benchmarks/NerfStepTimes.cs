namespace DreamTime.Studies.Benchmarks;

/// <summary>
/// Seconds of one training step by part. Rays, Encode, Mlp and Composite are disjoint pieces of Forward;
/// EncodeBackward (the hash-grid kernel's backward node) is a piece of Backward; Forward + Backward + Optimizer = Total.
/// Cpu is the process's CPU time over the step, all threads, so it may exceed Total.
/// </summary>
public sealed record NerfStepTimes(double Rays, double Encode, double Mlp, double Composite, double Forward, double Backward,
    double EncodeBackward, double Optimizer, double Total, double Cpu);
