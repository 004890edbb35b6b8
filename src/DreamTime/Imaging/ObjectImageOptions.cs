using System.Numerics;

namespace DreamTime.Imaging;

/// <summary>How an <see cref="ObjectImage"/> is cut out, framed and flattened.</summary>
/// <param name="Size">side of the square output in pixels</param>
/// <param name="ForegroundRatio">the longer side of the object's bounding box as a fraction of <paramref name="Size"/></param>
/// <param name="Background">RGB in [0, 1] composited behind the object</param>
/// <param name="BackgroundTolerance">
/// for images without alpha: how far (largest channel difference, in [0, 1]) a pixel may be from the estimated
/// background colour and still count as background
/// </param>
public sealed record ObjectImageOptions(int Size = 256, double ForegroundRatio = 0.85, Vector3? Background = null,
    double BackgroundTolerance = 0.1)
{
    public Vector3 BackgroundColor => Background ?? Vector3.One;

    public void Validate()
    {
        if (Size < 1) throw new ArgumentOutOfRangeException(nameof(Size), Size, "must be positive");
        if (!(ForegroundRatio > 0 && ForegroundRatio <= 1))
            throw new ArgumentOutOfRangeException(nameof(ForegroundRatio), ForegroundRatio, "must be in (0, 1]");
        if (!(BackgroundTolerance > 0 && BackgroundTolerance < 1))
            throw new ArgumentOutOfRangeException(nameof(BackgroundTolerance), BackgroundTolerance, "must be in (0, 1)");
        var b = BackgroundColor;
        if (!(b.X is >= 0 and <= 1 && b.Y is >= 0 and <= 1 && b.Z is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(Background), b, "channels must be in [0, 1]");
    }
}
