using DreamTime.Diffusion;
using DreamTime.Guidance;
using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Guidance.StableDiffusion;
using DreamTime.Models.Diffusers;
using DreamTime.Rendering;
using DreamTime.Representations;
using DreamTime.Evaluation;
using DreamTime.Representations.Nerf;
using DreamTime.Scenes;

namespace DreamTime.Configuration;

/// <summary>A guidance and, where its data are known, the evaluator that scores results against ground truth.</summary>
public sealed record GuidanceComponents(IGuidance Guidance, IQualityEvaluator? Evaluator);
