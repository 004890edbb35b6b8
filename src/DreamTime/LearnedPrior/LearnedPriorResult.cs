namespace DreamTime.LearnedPrior;

/// <summary>How a training session ended and where its outputs are.</summary>
public sealed record LearnedPriorResult(LearnedPriorFolder Folder, int LastStep, bool Completed, double FinalLoss);
