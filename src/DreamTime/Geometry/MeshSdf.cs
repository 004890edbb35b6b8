using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Geometry;

/// <summary>
/// Signed distance to a triangle mesh, for starting a DMTet from a user's mesh: the distance to the nearest
/// triangle, negative where the generalized winding number exceeds 1/2. The winding number is what makes this
/// work on the meshes people have: it is 1 inside and 0 outside a closed, outward-wound mesh, and it degrades
/// gracefully instead of flipping whole regions when the mesh has small holes, cracks between parts,
/// self-intersections or non-manifold edges (a point is inside when most of the surface around it says so;
/// overlapping closed parts count as their union). That is the repair applied to open or non-manifold input;
/// an inward-wound mesh comes out inside-out. Both queries use a <see cref="TriangleBvh"/>, over the points in
/// parallel.
/// </summary>
public static class MeshSdf
{
    /// <summary>Signed distances [P] (the points' dtype and device) at <paramref name="points"/> [P,3].</summary>
    public static Tensor At(Mesh mesh, Tensor points)
    {
        if (points.dim() != 2 || points.shape[1] != 3)
            throw new ArgumentException($"points must be [P,3], got [{string.Join(",", points.shape)}]");
        if (mesh.IsEmpty) throw new ArgumentException("the signed distance to a mesh needs at least one triangle");
        double[] xyz;
        using (var flat = points.detach().to(ScalarType.Float64).cpu().contiguous()) xyz = flat.data<double>().ToArray();
        var result = torch.tensor(At(mesh, xyz), dtype: ScalarType.Float64);
        if (points.dtype == ScalarType.Float64 && points.device_type == DeviceType.CPU) return result;
        using (result) return result.to(points.dtype, points.device);
    }

    /// <summary>Signed distances at points given as xyz [P*3].</summary>
    public static double[] At(Mesh mesh, double[] xyz)
    {
        var bvh = new TriangleBvh(mesh);
        var result = new double[xyz.Length / 3];
        Parallel.For(0, result.Length, i =>
        {
            double x = xyz[3 * i], y = xyz[3 * i + 1], z = xyz[3 * i + 2];
            double d = bvh.Distance(x, y, z);
            result[i] = bvh.Winding(x, y, z) > 0.5 ? -d : d;
        });
        return result;
    }

    /// <summary>Generalized winding numbers at xyz [P*3]: the hierarchical estimate, or every triangle's exact sum.</summary>
    internal static double[] WindingNumbers(Mesh mesh, double[] xyz, bool exact)
    {
        var bvh = new TriangleBvh(mesh);
        var result = new double[xyz.Length / 3];
        Parallel.For(0, result.Length, i => result[i] = bvh.Winding(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2], exact));
        return result;
    }
}
