namespace DreamTime.Rendering;

/// <summary>Timings of the last render's parts, in seconds (filled only when <see cref="VolumeRenderer.Timings"/> is set).</summary>
public sealed class RenderTimings
{
    public double Rays, Field, Composite;
}
