using System.Numerics;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Geometry;

/// <summary>
/// Differentiable marching tetrahedra (the surface step of DMTet): the zero level set of an SDF given at the
/// vertices of a tet mesh, as a triangle mesh whose vertex positions carry gradients to both the SDF values and
/// the (possibly deformed) vertex positions. Convention: sdf &lt; 0 inside, sdf &gt;= 0 outside (a zero counts as
/// outside, so every crossed edge has s_b - s_a != 0). A crossed edge (a, b) gives one surface vertex,
/// (v_a s_b - v_b s_a) / (s_b - s_a), shared by every tet around the edge, so a closed level set gives a
/// watertight mesh. Each crossed tet gives one triangle (one corner on the other side) or two (two and two),
/// wound counter-clockwise seen from outside when the tet is positively oriented, as <see cref="TetGrid"/>'s are.
/// Everything is tensor operations: the sign test touches every tet once, the rest only the crossed ones.
/// </summary>
public static class MarchingTetrahedra
{
    /// <summary>The six edges of a tet as corner pairs, in the order the case table numbers them.</summary>
    private static readonly long[] EdgeCorners = [0, 1, 0, 2, 0, 3, 1, 2, 1, 3, 2, 3];

    /// <summary>
    /// Per case (bit i set when corner i is inside): up to two triangles as edge numbers, [16 * 6] (unused slots 0),
    /// and the number of triangles [16].
    /// </summary>
    internal static readonly (long[] Triangles, long[] Counts) CaseTable = BuildCaseTable();

    /// <summary>
    /// The surface of <paramref name="sdf"/> [V] over <paramref name="vertices"/> [V,3] and <paramref name="tets"/>
    /// [T,4] int64: positions [M,3] (the vertices' dtype and device) and faces [F,3] int64. No crossing gives
    /// [0,3] tensors of both.
    /// </summary>
    public static (Tensor Positions, Tensor Faces) Extract(Tensor vertices, Tensor sdf, Tensor tets)
    {
        if (vertices.dim() != 2 || vertices.shape[1] != 3)
            throw new ArgumentException($"marching tetrahedra: vertices must be [V,3], got [{string.Join(",", vertices.shape)}]");
        long v = vertices.shape[0];
        if (sdf.dim() != 1 || sdf.shape[0] != v)
            throw new ArgumentException($"marching tetrahedra: sdf must be [{v}], got [{string.Join(",", sdf.shape)}]");
        if (tets.dim() != 2 || tets.shape[1] != 4 || tets.dtype != ScalarType.Int64)
            throw new ArgumentException(
                $"marching tetrahedra: tets must be [T,4] int64, got [{string.Join(",", tets.shape)}] {tets.dtype}");

        using var scope = torch.NewDisposeScope();
        var device = vertices.device;
        Tensor edgeA, edgeB, faces;
        using (torch.no_grad())
        {
            // Per-tet work on all T tets is a gather and a few column operations on bytes; libtorch's reductions over
            // rows of 4 (sum, any, all) cost several times more at T = 12.6 M.
            var inside = sdf.detach().lt(Scalars.Of(0.0)).to(ScalarType.Byte);
            var cornerInside = inside.index_select(0, tets.reshape(-1)).view(-1, 4);
            var caseAll = cornerInside.select(1, 0).Plus(cornerInside.select(1, 1).Times(2L))
                .Plus(cornerInside.select(1, 2).Times(4L)).Plus(cornerInside.select(1, 3).Times(8L));
            var crossed = caseAll.ne(Scalars.Of(0L)).logical_and(caseAll.ne(Scalars.Of(15L))).nonzero().squeeze(1);
            long c = crossed.shape[0];
            if (c == 0) return Empty(vertices.dtype, device);

            var caseOf = caseAll.index_select(0, crossed).to(ScalarType.Int64);
            var corners = tets.index_select(0, crossed).index_select(1, torch.tensor(EdgeCorners, device: device)).view(c * 6, 2);
            var ends = inside.index_select(0, corners.view(-1)).view(c * 6, 2);
            var cutSlots = ends.select(1, 0).ne(ends.select(1, 1)).nonzero().squeeze(1);
            var cut = corners.index_select(0, cutSlots);
            var lo = torch.minimum(cut.select(1, 0), cut.select(1, 1));
            var hi = torch.maximum(cut.select(1, 0), cut.select(1, 1));
            // An edge is named by lo * V + hi, so one unique() over int64 finds the cut edges that tets share.
            var (keys, inverse, _) = lo.Times(v).Plus(hi).unique(sorted: true, return_inverse: true);
            using var vertexCount = v.ToScalar();
            edgeA = keys.div(vertexCount, rounding_mode: RoundingMode.floor);
            edgeB = keys - edgeA.Times(v);
            // Slots of uncut edges keep 0: no case's triangles use them.
            var tetEdgeVertex = torch.zeros(c * 6, dtype: ScalarType.Int64, device: device).index_copy(0, cutSlots, inverse!).view(c, 6);

            var triangles = torch.tensor(CaseTable.Triangles, device: device).view(16, 6).index_select(0, caseOf);
            var count = torch.tensor(CaseTable.Counts, device: device).index_select(0, caseOf);
            var all = tetEdgeVertex.gather(1, triangles);
            var one = all.index_select(0, count.eq(Scalars.Of(1L)).nonzero().squeeze(1)).narrow(1, 0, 3);
            var two = all.index_select(0, count.eq(Scalars.Of(2L)).nonzero().squeeze(1)).reshape(-1, 3);
            faces = torch.cat([one, two], 0);
        }

        var s = sdf.to(vertices.dtype);
        var sa = s.index_select(0, edgeA).unsqueeze(1);
        var sb = s.index_select(0, edgeB).unsqueeze(1);
        var va = vertices.index_select(0, edgeA);
        var vb = vertices.index_select(0, edgeB);
        var positions = (va * sb - vb * sa) / (sb - sa);
        return (positions.MoveToOuterDisposeScope(), faces.MoveToOuterDisposeScope());
    }

    private static (Tensor, Tensor) Empty(ScalarType dtype, Device device) =>
        (torch.zeros(0, 3, dtype: dtype, device: device).MoveToOuterDisposeScope(),
         torch.zeros(0, 3, dtype: ScalarType.Int64, device: device).MoveToOuterDisposeScope());

    /// <summary>
    /// Derives the cases on the reference tet (0,0,0), (1,0,0), (0,1,0), (0,0,1) (positive determinant): the surface
    /// cuts the edges between inside and outside corners, and each triangle, taken through the edges' midpoints,
    /// is wound so its normal points from the inside corners' centroid towards the outside ones'. An affine map
    /// with a positive determinant keeps that winding, so the table holds for every positively oriented tet.
    /// </summary>
    private static (long[], long[]) BuildCaseTable()
    {
        Vector3[] corner = [new(0, 0, 0), new(1, 0, 0), new(0, 1, 0), new(0, 0, 1)];
        int Edge(int p, int q)
        {
            for (int e = 0; e < 6; e++)
                if ((EdgeCorners[2 * e] == p && EdgeCorners[2 * e + 1] == q) || (EdgeCorners[2 * e] == q && EdgeCorners[2 * e + 1] == p))
                    return e;
            throw new InvalidOperationException($"no tet edge {p}-{q}");
        }
        Vector3 Mid(int e) => (corner[EdgeCorners[2 * e]] + corner[EdgeCorners[2 * e + 1]]) / 2;

        var triangles = new long[16 * 6];
        var counts = new long[16];
        for (int m = 0; m < 16; m++)
        {
            var ins = Enumerable.Range(0, 4).Where(i => (m >> i & 1) == 1).ToArray();
            var outs = Enumerable.Range(0, 4).Where(i => (m >> i & 1) == 0).ToArray();
            if (ins.Length == 0 || outs.Length == 0) continue;
            var outward = outs.Aggregate(Vector3.Zero, (acc, i) => acc + corner[i]) / outs.Length
                - ins.Aggregate(Vector3.Zero, (acc, i) => acc + corner[i]) / ins.Length;
            var tris = new List<int[]>();
            if (ins.Length == 2)
            {
                int i = ins[0], j = ins[1], k = outs[0], l = outs[1];
                // ik, il, jl, jk go round the quad: consecutive ones share a face of the tet.
                tris.Add([Edge(i, k), Edge(i, l), Edge(j, l)]);
                tris.Add([Edge(i, k), Edge(j, l), Edge(j, k)]);
            }
            else
            {
                int lone = ins.Length == 1 ? ins[0] : outs[0];
                tris.Add((ins.Length == 1 ? outs : ins).Select(o => Edge(lone, o)).ToArray());
            }
            counts[m] = tris.Count;
            for (int t = 0; t < tris.Count; t++)
            {
                var tri = tris[t];
                var normal = Vector3.Cross(Mid(tri[1]) - Mid(tri[0]), Mid(tri[2]) - Mid(tri[0]));
                if (Vector3.Dot(normal, outward) < 0) (tri[1], tri[2]) = (tri[2], tri[1]);
                for (int k = 0; k < 3; k++) triangles[m * 6 + 3 * t + k] = tri[k];
            }
        }
        return (triangles, counts);
    }
}
