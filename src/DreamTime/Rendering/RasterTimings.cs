namespace DreamTime.Rendering;

/// <summary>Seconds spent in each stage of <see cref="MeshRasterizer.Render"/>, added to by every render it is passed to.</summary>
public sealed class RasterTimings
{
    /// <summary>Vertices to the camera, near-plane clipping and projection; the z-buffer; shading and downsampling.</summary>
    public double Setup, Rasterize, Resolve;
}
