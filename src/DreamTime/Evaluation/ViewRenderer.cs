using DreamTime.Rendering;
using static TorchSharp.torch;

namespace DreamTime.Evaluation;

/// <summary>Renders a camera without gradients: rgb [H,W,3] in [0,1] and opacity [H,W].</summary>
public delegate (Tensor Rgb, Tensor Opacity) ViewRenderer(Camera camera);
