namespace DreamTime.Training;

/// <summary>A step produced NaN or Inf; the run stops and its last checkpoint stays as it was.</summary>
public sealed class TrainingDivergedException(int step, string component)
    : Exception($"step {step}: non-finite value in {component}; training stopped, the last good checkpoint is intact")
{
    public int Step { get; } = step;
    public string Component { get; } = component;
}
