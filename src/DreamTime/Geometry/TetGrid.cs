using System.Numerics;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Geometry;

/// <summary>
/// A conforming tetrahedral grid over an axis-aligned box, the domain of a DMTet: N cubes per side, each cut into
/// six tetrahedra along its (0,0,0)-(1,1,1) diagonal (the Kuhn/Freudenthal split). Every cube is cut the same way,
/// so two cubes meet in the same face diagonals and the grid is conforming (each interior triangle belongs to
/// exactly two tets). Vertex (i, j, k) (x, y, z steps) has index (i (N+1) + j) (N+1) + k. Each tet is listed
/// with a positive determinant of (v1 - v0, v2 - v0, v3 - v0), the orientation <see cref="MarchingTetrahedra"/>'s
/// case table assumes. Built with a few broadcast tensor operations: N = 128 (2.1 M vertices, 12.6 M tets) holds
/// about 430 MB, almost all of it the int64 tets.
/// </summary>
public sealed class TetGrid : IDisposable
{
    /// <summary>
    /// The six tets of the unit cube as corners (dx, dy, dz) packed in 3 bits (4 dx + 2 dy + dz): for each order
    /// of the axes, the path 000 -&gt; one axis -&gt; two axes -&gt; 111, its middle two corners swapped when the
    /// order is an odd permutation, which would otherwise give a negative determinant.
    /// </summary>
    internal static readonly int[,] CubeTets = BuildCubeTets();

    private Tensor? _edges;

    /// <summary>Cubes per side.</summary>
    public int Resolution { get; }
    public Vector3 Min { get; }
    public Vector3 Max { get; }
    /// <summary>[(N+1)^3, 3] float32 vertex positions.</summary>
    public Tensor Vertices { get; }
    /// <summary>[6 N^3, 4] int64 vertex indices, each tet positively oriented.</summary>
    public Tensor Tets { get; }

    public long VertexCount => Vertices.shape[0];
    public long TetCount => Tets.shape[0];

    private TetGrid(int resolution, Vector3 min, Vector3 max, Tensor vertices, Tensor tets)
    {
        Resolution = resolution;
        Min = min;
        Max = max;
        Vertices = vertices;
        Tets = tets;
    }

    /// <summary>The grid over the cube [-halfSize, halfSize]^3.</summary>
    public static TetGrid Cube(int resolution, double halfSize)
    {
        if (!(halfSize > 0) || !double.IsFinite(halfSize))
            throw new ArgumentOutOfRangeException(nameof(halfSize), halfSize, "tet grid half size must be positive and finite");
        return Box(resolution, new Vector3(-(float)halfSize), new Vector3((float)halfSize));
    }

    /// <summary>The grid over the box [min, max].</summary>
    public static TetGrid Box(int resolution, Vector3 min, Vector3 max)
    {
        if (resolution < 1) throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "tet grid resolution must be at least 1");
        if (!(max.X > min.X && max.Y > min.Y && max.Z > min.Z) || !float.IsFinite(min.X + min.Y + min.Z + max.X + max.Y + max.Z))
            throw new ArgumentException($"tet grid box max {max} must exceed min {min} on every axis, both finite");
        using var scope = torch.NewDisposeScope();
        long n = resolution, side = n + 1;
        var vertices = Lattice(side, min, max);
        // The index of every cube's 000 corner, then each tet's corners as offsets from it.
        var cube = ScalarArithmetic.Arange(n, ScalarType.Int64);
        var cubeOrigin = cube.Times(side * side).view(n, 1, 1).Plus(cube.Times(side).view(1, n, 1)).Plus(cube.view(1, 1, n));
        var offsets = new long[24];
        for (int t = 0; t < 6; t++)
            for (int c = 0; c < 4; c++)
            {
                int corner = CubeTets[t, c];
                offsets[4 * t + c] = (corner >> 2) * side * side + ((corner >> 1) & 1) * side + (corner & 1);
            }
        var tets = cubeOrigin.reshape(n * n * n, 1, 1).Plus(torch.tensor(offsets).view(1, 6, 4)).reshape(6 * n * n * n, 4);
        return new TetGrid(resolution, min, max, vertices.MoveToOuterDisposeScope(), tets.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The tets [K] (int64 indices into <see cref="Tets"/>, ascending) of the cubes whose eight corners are not all on one
    /// side of the zero level of <paramref name="sdf"/> [V]: the only tets <see cref="MarchingTetrahedra"/> can find
    /// crossed, since a tet's corners are corners of its cube. Marching the candidates alone gives the same surface, as
    /// they keep the crossed tets' order, and this test per cube (an "any" and an "all" over neighbouring corners, one
    /// axis at a time) costs a quarter of the test of every tet (six per cube) it spares.
    /// </summary>
    public Tensor CandidateTets(Tensor sdf)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        long n = Resolution, side = n + 1;
        var any = sdf.detach().lt(Scalars.Of(0.0)).view(side, side, side);
        var all = any;
        for (int axis = 0; axis < 3; axis++)
        {
            any = any.narrow(axis, 0, n).logical_or(any.narrow(axis, 1, n));
            all = all.narrow(axis, 0, n).logical_and(all.narrow(axis, 1, n));
        }
        var cubes = any.logical_xor(all).reshape(-1).nonzero().squeeze(1);
        var tets = cubes.Times(6L).unsqueeze(1).Plus(ScalarArithmetic.Arange(6, ScalarType.Int64, sdf.device).unsqueeze(0));
        return tets.reshape(-1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The grid's unique edges [E, 2] int64, lower index first, made once on first use. An edge of a Kuhn tet joins
    /// two corners of one cube whose offset d is a non-zero 0/1 vector, and every such pair is an edge of some tet,
    /// so the edges are exactly the pairs (p, p + d) inside the grid: 7 N^3 + O(N^2) of them.
    /// </summary>
    public Tensor Edges()
    {
        if (_edges is not null) return _edges;
        using var scope = torch.NewDisposeScope();
        long side = Resolution + 1;
        var parts = new List<Tensor>();
        for (int d = 1; d < 8; d++)
        {
            long dx = d >> 2, dy = (d >> 1) & 1, dz = d & 1;
            var i = ScalarArithmetic.Arange(side - dx, ScalarType.Int64).Times(side * side).view(-1, 1, 1);
            var j = ScalarArithmetic.Arange(side - dy, ScalarType.Int64).Times(side).view(1, -1, 1);
            var k = ScalarArithmetic.Arange(side - dz, ScalarType.Int64).view(1, 1, -1);
            var from = i.Plus(j).Plus(k).reshape(-1);
            parts.Add(torch.stack([from, from.Plus(dx * side * side + dy * side + dz)], 1));
        }
        _edges = torch.cat(parts, 0).MoveToOuterDisposeScope();
        return _edges;
    }

    /// <summary>[side^3, 3] float32 points of the regular lattice over [min, max], x slowest.</summary>
    private static Tensor Lattice(long side, Vector3 min, Vector3 max)
    {
        // Positions are made in float64 and rounded once, so the far corner is max itself.
        Tensor Axis(float lo, float hi) =>
            ScalarArithmetic.Arange(side, ScalarType.Float64).Times(((double)hi - lo) / (side - 1)).Plus((double)lo);
        var x = Axis(min.X, max.X).view(-1, 1, 1).expand(side, side, side);
        var y = Axis(min.Y, max.Y).view(1, -1, 1).expand(side, side, side);
        var z = Axis(min.Z, max.Z).view(1, 1, -1).expand(side, side, side);
        return torch.stack([x, y, z], 3).reshape(side * side * side, 3).to(ScalarType.Float32);
    }

    private static int[,] BuildCubeTets()
    {
        int[][] orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        var tets = new int[6, 4];
        for (int t = 0; t < 6; t++)
        {
            // Axis 0 is x, worth 4 in the packed corner.
            int first = 4 >> orders[t][0], second = first | (4 >> orders[t][1]);
            bool odd = Inversions(orders[t]) % 2 == 1;
            tets[t, 0] = 0;
            tets[t, 1] = odd ? second : first;
            tets[t, 2] = odd ? first : second;
            tets[t, 3] = 7;
        }
        return tets;
    }

    private static int Inversions(int[] order)
    {
        int count = 0;
        for (int a = 0; a < order.Length; a++)
            for (int b = a + 1; b < order.Length; b++)
                if (order[a] > order[b]) count++;
        return count;
    }

    public void Dispose()
    {
        Vertices.Dispose();
        Tets.Dispose();
        _edges?.Dispose();
    }
}
