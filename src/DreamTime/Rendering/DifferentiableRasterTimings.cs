namespace DreamTime.Rendering;

/// <summary>Seconds spent in each stage of the <see cref="DifferentiableRasterizer"/> calls it is passed to, added to by each.</summary>
public sealed class DifferentiableRasterTimings
{
    /// <summary>Rasterize: the CPU z-buffer (copies included); the barycentrics and camera-space vertices (tensor ops).</summary>
    public double Visibility, Barycentrics;
    /// <summary>Antialias: finding silhouette crossings (CPU); blending the pixels (tensor ops).</summary>
    public double AntialiasAnalysis, AntialiasBlend;
}
