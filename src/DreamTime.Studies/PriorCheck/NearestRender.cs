using DreamTime.Guidance.BuiltinPrior;
using DreamTime.Imaging;
using DreamTime.Models.Diffusers;
using DreamTime.Rendering;
using TorchSharp;
using static TorchSharp.torch;
using DreamTime.Scenes;
using DreamTime.LearnedPrior;

namespace DreamTime.Studies.PriorCheck;

/// <summary>The member render nearest to an image: which member, from which view, and the PSNR between them.</summary>
public sealed record NearestRender(int Member, int View, double Psnr);
