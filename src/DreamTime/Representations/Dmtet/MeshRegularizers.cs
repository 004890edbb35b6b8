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
    /// <summary>Mean over interior edges of 1 - cos(angle between the two faces' normals); 0 for a flat or empty mesh.</summary>
    public static Tensor NormalConsistency(Tensor vertices, Tensor faces)
    {
        var (a, b) = FacePairs(faces);
        if (a.Length == 0) return zeros(1, dtype: vertices.dtype, device: vertices.device).sum();
        var n = RasterNormals.Faces(vertices, faces);
        var ia = tensor(a, device: vertices.device);
        var ib = tensor(b, device: vertices.device);
        var cos = (n.index_select(0, ia) * n.index_select(0, ib)).sum(1);
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

    /// <summary>The two faces of every edge shared by exactly two faces.</summary>
    private static (long[] A, long[] B) FacePairs(Tensor faces)
    {
        var f = faces.to(ScalarType.Int64).cpu().contiguous().data<long>().ToArray();
        int count = f.Length / 3;
        long stride = f.Length == 0 ? 1 : f.Max() + 1;
        // an edge as one long (lo * stride + hi): hashing a long is several times cheaper than a tuple of two
        var first = new Dictionary<long, long>(count * 3 / 2);
        var a = new List<long>(count * 3 / 2);
        var b = new List<long>(count * 3 / 2);
        for (int t = 0; t < count; t++)
            for (int e = 0; e < 3; e++)
            {
                long u = f[3 * t + e], w = f[3 * t + (e + 1) % 3];
                long key = u < w ? u * stride + w : w * stride + u;
                if (first.Remove(key, out long other))
                {
                    a.Add(other);
                    b.Add(t);
                }
                else first[key] = t;
            }
        return (a.ToArray(), b.ToArray());
    }
}
