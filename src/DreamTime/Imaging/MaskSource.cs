namespace DreamTime.Imaging;

/// <summary>Where an <see cref="ObjectImage"/>'s mask came from.</summary>
public enum MaskSource
{
    /// <summary>The image's own alpha channel.</summary>
    Alpha,
    /// <summary>The pixels that differ from a plain background colour estimated from the border.</summary>
    PlainBackground,
}
