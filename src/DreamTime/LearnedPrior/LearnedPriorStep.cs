namespace DreamTime.LearnedPrior;

/// <summary>One line of metrics.jsonl.</summary>
public sealed record LearnedPriorStep(int Step, double Loss, double LearningRate, double MeanT, double Seconds);
