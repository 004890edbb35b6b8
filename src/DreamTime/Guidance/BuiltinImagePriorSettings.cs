using DreamTime.Guidance.BuiltinPrior;

namespace DreamTime.Guidance;

/// <summary>
/// The built-in prior conditioned on an input image instead of a prompt (image-to-3D with no downloads): the
/// members are weighted by how well each, seen from the input camera, explains the image.
/// </summary>
public sealed record BuiltinImagePriorSettings : BuiltinPriorFamilySettings
{
    /// <summary>Standard deviation of the input image's pixels about a
    /// member's render in the image likelihood (colours in [0, 1]).</summary>
    public double ImageNoise { get; init; } = BuiltinPriorGuidance.DefaultImageNoise;

    /// <summary>The input is a render taken with the input camera: framing it
    /// again would move the object away from where that camera sees it.</summary>
    public override string ImageFraming => "none";

    public override void Validate()
    {
        base.Validate();
        BuiltinPriorGuidance.CheckImageNoise(ImageNoise);
    }
}
