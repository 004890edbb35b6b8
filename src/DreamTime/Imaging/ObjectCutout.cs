using System.Numerics;

namespace DreamTime.Imaging;

/// <summary>An object cut out of an image at its own size: RGB in [0, 1] (row-major HWC),
/// coverage, and the pixel box (inclusive) of the pixels at least half covered.</summary>
public sealed record ObjectCutout(float[] Rgb, float[] Mask, int Width, int Height, (int X0, int Y0, int X1, int Y1) Box, MaskSource Source,
    Vector3? RemovedBackground);
