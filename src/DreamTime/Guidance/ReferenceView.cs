using DreamTime.Rendering;
using static TorchSharp.torch;

namespace DreamTime.Guidance;

/// <summary>
/// A reference view for image-conditioned guidance (Zero-1-to-3, the built-in image prior): the image [H,W,3] in
/// [0,1] (the object over white), its foreground mask [H,W] in [0,1], and the camera it was taken from; the
/// guidance derives each training camera's pose relative to it.
/// </summary>
public sealed record ReferenceView(Tensor Image, Tensor Mask, Camera Camera);
