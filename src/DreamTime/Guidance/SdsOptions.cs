using DreamTime.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Guidance;

/// <summary>Settings every score-distillation guidance shares.</summary>
public sealed record SdsOptions(SdsWeighting Weighting, double? GradClip);
