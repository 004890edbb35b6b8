using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>
/// What <see cref="DifferentiableRasterizer.Rasterize"/> sees through each pixel centre of a batch of cameras, on the
/// vertices' device and (floating tensors) in their dtype. Pixel (i, j) of camera b is entry [b, i, j], its centre at
/// column j + 0.5, row i + 0.5, as in <see cref="MeshRasterizer"/> and <see cref="Camera.Rays"/>.
/// </summary>
/// <param name="TriangleId">[B,H,W] int64: the face seen, -1 on the background.</param>
/// <param name="Depth">[B,H,W]: camera-space depth (along the view axis) of the point seen, 0 on the background; from
/// the z-buffer, without a gradient.</param>
/// <param name="Barycentrics">[B,H,W,3]: perspective-correct barycentrics of the point seen within its face (weights
/// of the face's three vertices in order), zeros on the background; differentiable w.r.t. the vertex positions.</param>
/// <param name="CameraPositions">[B,V,3]: the vertices in each camera's frame (x right, y up, z depth), differentiable;
/// <see cref="DifferentiableRasterizer.Antialias"/> projects silhouette edges from them.</param>
public sealed record RasterFragments(Tensor TriangleId, Tensor Depth, Tensor Barycentrics, Tensor CameraPositions) : IDisposable
{
    public IReadOnlyList<Camera> Cameras { get; init; } = [];
    public int Height => (int)TriangleId.shape[1];
    public int Width => (int)TriangleId.shape[2];

    /// <summary>The z-buffer's CPU arrays, for the antialiasing analysis.</summary>
    internal RasterVisibility Visibility { get; init; } = null!;
    /// <summary>[N] flat [B*H*W] indices of the pixels that see a face, in order.</summary>
    internal Tensor PixelIndex { get; init; } = null!;
    /// <summary>[N] the camera of each of those pixels.</summary>
    internal Tensor PixelBatch { get; init; } = null!;
    /// <summary>[N] the face each sees.</summary>
    internal Tensor PixelFace { get; init; } = null!;
    /// <summary>[N,3] that face's vertex indices.</summary>
    internal Tensor PixelCorners { get; init; } = null!;

    /// <summary>[B,H,W,1] 1 where a face is seen, 0 on the background, in the barycentrics' dtype (antialiased, an alpha mask).</summary>
    public Tensor Coverage()
    {
        using var covered = TriangleId.ge(Scalars.Of(0));
        using var mask = covered.to(Barycentrics.dtype);
        return mask.unsqueeze(-1);
    }

    public void Dispose()
    {
        foreach (var t in new[] { TriangleId, Depth, Barycentrics, CameraPositions, PixelIndex, PixelBatch, PixelFace, PixelCorners })
            t?.Dispose();
    }
}
