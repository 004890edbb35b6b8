using DreamTime.Rendering;
using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Representations.Dmtet;

/// <summary>
/// The mesh's own loss terms, computed on the surface a render was drawn from: normal consistency (threestudio's
/// Magic3D refinement weighs it highest) keeps neighbouring faces turned alike, the Laplacian keeps each vertex near
/// its neighbours' mean. The topology changes every step (marching tetrahedra), so the neighbours are found each time.
/// </summary>
public static class MeshRegularizers
{
    /// <summary>Mean over interior edges (shared by exactly two faces) of 1 - cos(angle between the two faces' normals); 0 for a
    /// flat or empty mesh.</summary>
    public static Tensor NormalConsistency(Tensor vertices, Tensor faces)
    {
        var (a, b) = TriangleAdjacency.Of(faces, (int)vertices.shape[0]).FacePairs();
        using var pairs = stack([tensor(a), tensor(b)], 1);
        return NormalConsistency(vertices, faces, pairs.to(vertices.device));
    }

    /// <summary>The same over given pairs of faces [P,2] (a render's <see cref="DmtetRepresentation.SurfaceFacePairsExtra"/>,
    /// which the rasteriser's adjacency already found).</summary>
    public static Tensor NormalConsistency(Tensor vertices, Tensor faces, Tensor facePairs)
    {
        if (facePairs.shape[0] == 0) return zeros(1, dtype: vertices.dtype, device: vertices.device).sum();
        var n = RasterNormals.Faces(vertices, faces);
        var cos = (n.index_select(0, facePairs.select(1, 0)) * n.index_select(0, facePairs.select(1, 1))).sum(1);
        return cos.SubtractedFrom(1).mean();
    }

    /// <summary>Mean squared distance of each vertex from the mean of its edge neighbours.</summary>
    public static Tensor Laplacian(Tensor vertices, Tensor faces)
    {
        long v = vertices.shape[0];
        var f = faces.to(ScalarType.Int64);
        var from = cat(new[] { f.select(1, 0), f.select(1, 1), f.select(1, 2), f.select(1, 1), f.select(1, 2), f.select(1, 0) });
        var to = cat(new[] { f.select(1, 1), f.select(1, 2), f.select(1, 0), f.select(1, 0), f.select(1, 1), f.select(1, 2) });
        var sum = zeros_like(vertices).index_add(0, from, vertices.index_select(0, to), Scalars.One);
        var count = zeros(v, dtype: vertices.dtype, device: vertices.device)
            .index_add(0, from, ones(from.shape[0], dtype: vertices.dtype, device: vertices.device), Scalars.One);
        var mean = sum / count.clamp_min(Scalars.One).unsqueeze(1);
        return (vertices - mean).Squared().sum(1).mean();
    }
}
