using DreamTime.Evaluation;
using DreamTime.Guidance;

namespace DreamTime.Configuration;

/// <summary>A guidance and, where its data are known, the evaluator that scores results against ground truth.</summary>
public sealed record GuidanceComponents(IGuidance Guidance, IQualityEvaluator? Evaluator);
