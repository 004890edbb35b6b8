using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>
/// World-space normals for shading a <see cref="DifferentiableRasterizer"/> render with <see cref="Lighting"/>, as
/// <see cref="MeshRasterizer"/> shades: the face's normal, or the interpolated vertex normals renormalised (the face's
/// where they cancel), turned towards the viewer on faces seen from behind (two-sided lighting). All differentiable
/// w.r.t. the vertex positions (and the vertex normals when given).
/// </summary>
public static class RasterNormals
{
    // Below this length a normal counts as zero (as MeshRasterizer's SafeNormalize).
    private const double MinLength = 1e-8;

    /// <summary>[F,3] unnormalised face normals (v1 - v0) x (v2 - v0): twice the area long, outwards for counter-clockwise faces.</summary>
    public static Tensor AreaWeighted(Tensor vertices, Tensor faces)
    {
        using var scope = NewDisposeScope();
        var f = faces.to(ScalarType.Int64, vertices.device);
        var v0 = vertices.index_select(0, f.select(1, 0));
        var v1 = vertices.index_select(0, f.select(1, 1));
        var v2 = vertices.index_select(0, f.select(1, 2));
        return torch.linalg.cross(v1 - v0, v2 - v0).MoveToOuterDisposeScope();
    }

    /// <summary>[F,3] unit face normals (zero for degenerate faces).</summary>
    public static Tensor Faces(Tensor vertices, Tensor faces)
    {
        using var scope = NewDisposeScope();
        return Unit(AreaWeighted(vertices, faces)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [V,3] area-weighted vertex normals, unit length (zero for vertices no face uses), as <c>Mesh.ComputeVertexNormals</c>.
    /// </summary>
    public static Tensor Vertices(Tensor vertices, Tensor faces)
    {
        using var scope = NewDisposeScope();
        var f = faces.to(ScalarType.Int64, vertices.device);
        var n = AreaWeighted(vertices, faces);
        var sum = zeros_like(vertices);
        for (int k = 0; k < 3; k++) sum = sum.index_add(0, f.select(1, k), n, Scalars.One);
        return Unit(sum).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// [B,H,W,3] unit world-space normals of the point each pixel sees, zeros on the background.
    /// </summary>
    /// <param name="vertexNormals">[V,3] normals to interpolate (need not be unit); null for flat shading by face normals</param>
    /// <param name="towardsViewer">turn the normals of faces seen from behind towards the camera (two-sided lighting)</param>
    public static Tensor Pixels(RasterFragments fragments, Tensor vertices, Tensor faces, Tensor? vertexNormals = null,
        bool towardsViewer = true)
    {
        int b = fragments.Visibility.Batch, h = fragments.Height, w = fragments.Width;
        long n = fragments.PixelIndex.shape[0];
        using var scope = NewDisposeScope();
        if (n == 0) return zeros(new long[] { b, h, w, 3 }, vertices.dtype, vertices.device).MoveToOuterDisposeScope();
        var faceNormal = AreaWeighted(vertices, faces).index_select(0, fragments.PixelFace);              // [N,3]
        var normal = Unit(faceNormal);
        if (vertexNormals is not null)
        {
            var bary = fragments.Barycentrics.reshape(-1, 3).index_select(0, fragments.PixelIndex).to(vertexNormals.dtype);
            var corner = vertexNormals.index_select(0, fragments.PixelCorners.reshape(-1)).view(n, 3, 3);
            var blend = (bary.unsqueeze(2) * corner).sum(1);
            var length = Length(blend);
            normal = torch.where(length.gt(Scalars.Of(MinLength)), blend / length.clamp_min(Scalars.Of(MinLength)), normal.to(blend.dtype));
        }
        if (towardsViewer)
        {
            // A face is seen from behind when its normal points away from the eye (as MeshRasterizer decides it).
            var eyes = fragments.Cameras.SelectMany(c => { var (x, y, z) = c.Position; return new[] { x, y, z }; }).ToArray();
            var eye = torch.tensor(eyes, new long[] { b, 3 }, ScalarType.Float64).to(vertices.dtype, vertices.device)
                .index_select(0, fragments.PixelBatch);
            var corner0 = vertices.index_select(0, fragments.PixelCorners.select(1, 0));
            var away = (faceNormal.detach() * (corner0.detach() - eye)).sum(1, keepdim: true).gt(Scalars.Of(0));
            normal = torch.where(away, -normal, normal);
        }
        return zeros(new long[] { b * h * w, 3 }, normal.dtype, normal.device).index_copy(0, fragments.PixelIndex, normal)
            .view(b, h, w, 3).MoveToOuterDisposeScope();
    }

    private static Tensor Length(Tensor v) => (v * v).sum(-1, keepdim: true).clamp_min(Scalars.Of(1e-30)).sqrt();

    // n / |n|, and 0 (with a zero gradient) where n is shorter than MinLength.
    private static Tensor Unit(Tensor v)
    {
        var length = Length(v);
        return torch.where(length.gt(Scalars.Of(MinLength)), v / length.clamp_min(Scalars.Of(MinLength)), zeros_like(v));
    }
}
