using System.Numerics;

namespace DreamTime.Geometry;

/// <summary>
/// Marching cubes over a dense scalar grid. The grid holds densities sampled at the nodes of a regular lattice
/// spanning the bounds (first and last nodes on the bounds), laid out C-order as [nx, ny, nz]:
/// value(i, j, k) = grid[(i * ny + j) * nz + k] at position min + (i, j, k) * (max - min) / (n - 1).
/// "Inside" means density &gt; isoLevel (NaN counts as outside). The mesh has one vertex per crossed grid edge,
/// shared by every triangle that uses it, so a surface that does not touch the grid's border is closed by its
/// indices. Triangles wind counter-clockwise seen from outside; vertex normals are the negated, normalised
/// density gradient (pointing out of the dense region).
/// A vertex that falls exactly on a grid node (density == isoLevel there) can make zero-area triangles; they
/// are kept so the index topology stays closed (see <see cref="Mesh.RemoveDegenerateTriangles"/>).
/// </summary>
public static class MarchingCubes
{
    public static Mesh Extract(float[] grid, int nx, int ny, int nz, (Vector3 Min, Vector3 Max) bounds, float isoLevel)
    {
        if (nx < 2 || ny < 2 || nz < 2) throw new ArgumentException($"grid needs at least 2 nodes per axis, got {nx}x{ny}x{nz}");
        if (grid.Length != (long)nx * ny * nz) throw new ArgumentException($"grid length {grid.Length} != {nx}*{ny}*{nz}");
        var (min, max) = bounds;
        if (!(max.X > min.X && max.Y > min.Y && max.Z > min.Z))
            throw new ArgumentException($"bounds max {max} must exceed min {min} on every axis");
        if (!float.IsFinite(isoLevel)) throw new ArgumentException($"isoLevel must be finite, got {isoLevel}");
        return new Extractor(grid, nx, ny, nz, min, max, isoLevel).Run();
    }

    private sealed class Extractor(float[] grid, int nx, int ny, int nz, Vector3 min, Vector3 max, float iso)
    {
        private readonly int[] _stride = [ny * nz, nz, 1];
        private readonly int[] _size = [nx, ny, nz];
        private readonly Vector3 _spacing = (max - min) / new Vector3(nx - 1, ny - 1, nz - 1);
        // Index of the first vertex on the edges leaving each node towards +x, +y, +z (in that order); only
        // meaningful for nodes with a crossed outgoing edge.
        private readonly int[] _firstVertex = new int[grid.Length];

        private bool Inside(int node) => grid[node] > iso;

        // Whether the edge from node (at lattice coordinate c along `axis`) towards +axis exists and is crossed.
        private bool Crossed(int node, int coordAlongAxis, int axis) =>
            coordAlongAxis + 1 < _size[axis] && Inside(node) != Inside(node + _stride[axis]);

        public Mesh Run()
        {
            // Pass 1: how many vertices each x-plane of nodes owns, so planes can then fill their vertices in parallel.
            var planeCount = new int[nx];
            Parallel.For(0, nx, i =>
            {
                int count = 0;
                for (int j = 0; j < ny; j++)
                    for (int k = 0; k < nz; k++)
                    {
                        int node = (i * ny + j) * nz + k;
                        if (Crossed(node, i, 0)) count++;
                        if (Crossed(node, j, 1)) count++;
                        if (Crossed(node, k, 2)) count++;
                    }
                planeCount[i] = count;
            });
            var planeStart = new int[nx + 1];
            for (int i = 0; i < nx; i++) planeStart[i + 1] = checked(planeStart[i] + planeCount[i]);
            int vertexCount = planeStart[nx];
            if (vertexCount == 0) return Mesh.Empty;

            var positions = new float[vertexCount * 3];
            var normals = new float[vertexCount * 3];
            Parallel.For(0, nx, i => MakePlaneVertices(i, planeStart[i], positions, normals));

            var slabTriangles = new List<int>[nx - 1];
            Parallel.For(0, nx - 1, i => slabTriangles[i] = MakeSlabTriangles(i));
            var indices = new int[slabTriangles.Sum(s => s.Count)];
            int at = 0;
            foreach (var s in slabTriangles) { s.CopyTo(indices, at); at += s.Count; }

            var mesh = new Mesh(positions, indices, colors: null, normals);
            return RepairFlatNormals(mesh);
        }

        private void MakePlaneVertices(int i, int firstVertex, float[] positions, float[] normals)
        {
            int v = firstVertex;
            for (int j = 0; j < ny; j++)
                for (int k = 0; k < nz; k++)
                {
                    int node = (i * ny + j) * nz + k;
                    _firstVertex[node] = v;
                    Span<int> coord = [i, j, k];
                    for (int axis = 0; axis < 3; axis++)
                    {
                        if (!Crossed(node, coord[axis], axis)) continue;
                        int other = node + _stride[axis];
                        float a = grid[node], b = grid[other];
                        float t = (iso - a) / (b - a);
                        if (!float.IsFinite(t)) t = 0.5f; // NaN/inf densities: no better guess than the middle
                        t = Math.Clamp(t, 0f, 1f);
                        var p = min + new Vector3(i, j, k) * _spacing;
                        p[axis] += t * _spacing[axis];
                        var g = Vector3.Lerp(Gradient(i, j, k),
                            Gradient(i + (axis == 0 ? 1 : 0), j + (axis == 1 ? 1 : 0), k + (axis == 2 ? 1 : 0)), t);
                        var n = -g / g.Length(); // density falls towards the outside
                        positions[3 * v] = p.X; positions[3 * v + 1] = p.Y; positions[3 * v + 2] = p.Z;
                        normals[3 * v] = n.X; normals[3 * v + 1] = n.Y; normals[3 * v + 2] = n.Z;
                        v++;
                    }
                }
        }

        // Central differences inside the grid, one-sided at its border; in world units.
        private Vector3 Gradient(int i, int j, int k)
        {
            Span<int> c = [i, j, k];
            int node = (i * ny + j) * nz + k;
            var g = Vector3.Zero;
            for (int axis = 0; axis < 3; axis++)
            {
                int lo = c[axis] > 0 ? node - _stride[axis] : node;
                int hi = c[axis] + 1 < _size[axis] ? node + _stride[axis] : node;
                int steps = (c[axis] > 0 ? 1 : 0) + (c[axis] + 1 < _size[axis] ? 1 : 0);
                g[axis] = (grid[hi] - grid[lo]) / (steps * _spacing[axis]);
            }
            return g;
        }

        private List<int> MakeSlabTriangles(int i)
        {
            var triangles = new List<int>();
            Span<int> cornerNode = stackalloc int[8];
            for (int j = 0; j < ny - 1; j++)
                for (int k = 0; k < nz - 1; k++)
                {
                    int cellNode = (i * ny + j) * nz + k;
                    int config = 0;
                    for (int c = 0; c < 8; c++)
                    {
                        cornerNode[c] = cellNode + (c & 1) * _stride[0] + ((c >> 1) & 1) * _stride[1] + ((c >> 2) & 1) * _stride[2];
                        if (Inside(cornerNode[c])) config |= 1 << c;
                    }
                    if (config == 0 || config == 255) continue;
                    foreach (int e in CubeTable.Triangles[config])
                    {
                        var (corner, axis) = CubeTable.Edges[e];
                        int node = cornerNode[corner];
                        int ci = i + (corner & 1), cj = j + ((corner >> 1) & 1);
                        // Edges of this node along lower axes come first in its vertex run.
                        int offset = 0;
                        if (axis > 0 && Crossed(node, ci, 0)) offset++;
                        if (axis > 1 && Crossed(node, cj, 1)) offset++;
                        triangles.Add(_firstVertex[node] + offset);
                    }
                }
            return triangles;
        }

        // Where the gradient vanished or was not finite, fall back to the faces' normals.
        private static Mesh RepairFlatNormals(Mesh mesh)
        {
            var normals = mesh.Normals!;
            float[]? fromFaces = null;
            for (int v = 0; v < mesh.VertexCount; v++)
            {
                if (float.IsFinite(normals[3 * v]) && float.IsFinite(normals[3 * v + 1]) && float.IsFinite(normals[3 * v + 2])) continue;
                fromFaces ??= mesh.ComputeVertexNormals();
                for (int k = 0; k < 3; k++) normals[3 * v + k] = fromFaces[3 * v + k];
            }
            return mesh;
        }
    }
}
