using System.Diagnostics;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>
/// A differentiable mesh rasteriser on libtorch tensors (CPU or CUDA), in three steps as nvdiffrast's:
/// <see cref="Rasterize"/> (which face each pixel centre sees, and where in it), <see cref="Interpolate"/> (vertex
/// attributes at those points) and <see cref="Antialias"/> (silhouette pixels blended by where the edge crosses them).
/// <para>
/// Visibility is not differentiable and runs on CPU copies whatever the device: the same z-buffer as
/// <see cref="MeshRasterizer"/> (same pinhole, pixel centres, near-plane clipping and tie rule), so both see the same
/// face at every pixel. Gradients reach the vertex positions in two ways: through the barycentrics, which are
/// recomputed with tensor ops from each pixel's face (where the ray through the pixel centre meets the plane of the
/// face's camera-space corners: the perspective-correct barycentrics of Genova et al. 2018, computed in 3D so that
/// they hold also for faces the near plane cuts), so interior
/// pixels move with the surface; and through <see cref="Antialias"/>, whose blend weights follow the projected
/// silhouette edges (Laine et al. 2020), so coverage itself has a gradient.
/// </para>
/// </summary>
public static class DifferentiableRasterizer
{
    /// <summary>
    /// Rasterises a mesh into every camera's view.
    /// </summary>
    /// <param name="vertices">[V,3] world-space positions (z up), float32 or float64, may require grad</param>
    /// <param name="faces">[F,3] vertex indices (int64 or int32), counter-clockwise from outside (only normals care)</param>
    /// <param name="timings">when given, each stage's time is added to it (for benchmarks)</param>
    public static RasterFragments Rasterize(Tensor vertices, Tensor faces, IReadOnlyList<Camera> cameras, int height, int width,
        DifferentiableRasterTimings? timings = null)
    {
        if (height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(height), $"image size must be positive, got {height}x{width}");
        if (cameras.Count == 0) throw new ArgumentException("rasterize: no cameras", nameof(cameras));
        if (vertices.ndim != 2 || vertices.shape[1] != 3)
            throw new ArgumentException($"vertices must be [V,3], got [{string.Join(",", vertices.shape)}]", nameof(vertices));
        if (vertices.dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"vertices must be float32 or float64, got {vertices.dtype}", nameof(vertices));
        long clock = Stopwatch.GetTimestamp();
        int vertexCount = (int)vertices.shape[0], b = cameras.Count, pixels = height * width;
        var device = vertices.device;
        var dtype = vertices.dtype;
        using var scope = NewDisposeScope();

        var vis = RasterVisibility.Compute(CpuPositions(vertices), FaceIndices(faces, vertexCount), cameras, height, width);
        // The pixels that see a face, with their camera, face, corners and the ray through their centre (z = 1).
        var ids = vis.TriangleId;
        int n = 0;
        foreach (int id in ids) if (id >= 0) n++;
        var pixelIndex = new long[n];
        var pixelBatch = new long[n];
        var pixelFace = new long[n];
        var corners = new long[3 * n];
        var rays = new double[3 * n];
        var allIds = new long[ids.Length];
        for (int k = 0, m = 0; k < ids.Length; k++)
        {
            allIds[k] = ids[k];
            if (ids[k] < 0) continue;
            int cam = k / pixels, i = k % pixels / width, j = k % width;
            double focal = vis.Focal[cam];
            pixelIndex[m] = k; pixelBatch[m] = cam; pixelFace[m] = ids[k];
            for (int c = 0; c < 3; c++) corners[3 * m + c] = vis.Faces[3 * ids[k] + c];
            rays[3 * m] = (j + 0.5 - 0.5 * width) / focal;
            rays[3 * m + 1] = -(i + 0.5 - 0.5 * height) / focal;
            rays[3 * m + 2] = 1;
            m++;
        }
        var triangleId = torch.tensor(allIds, new long[] { b, height, width }, device: device);
        var depth = torch.tensor(vis.Depth, new long[] { b, height, width }).to(dtype, device);
        var pixelIndexT = torch.tensor(pixelIndex, new long[] { n }, device: device);
        var pixelBatchT = torch.tensor(pixelBatch, new long[] { n }, device: device);
        var pixelFaceT = torch.tensor(pixelFace, new long[] { n }, device: device);
        var cornersT = torch.tensor(corners, new long[] { n, 3 }, device: device);
        if (timings != null) timings.Visibility += Lap(ref clock);

        var camera = CameraSpace(vertices, cameras);                                          // [B,V,3]
        Tensor bary;
        if (n == 0) bary = zeros(new long[] { b, height, width, 3 }, dtype, device);
        else
        {
            var flat = cornersT.Plus(pixelBatchT.unsqueeze(1).Times((long)vertexCount));   // [N,3] rows of [B*V]
            var c = camera.reshape(b * vertexCount, 3).index_select(0, flat.reshape(-1)).view(n, 3, 3);
            var c0 = c.select(1, 0); var e1 = c.select(1, 1) - c0; var e2 = c.select(1, 2) - c0;
            var r = torch.tensor(rays, new long[] { n, 3 }, ScalarType.Float64).to(dtype, device);
            // Where the ray t r meets the plane c0 + u e1 + v e2 (Cramer's rule); relative to c0, which keeps
            // single precision accurate on faces that are small next to their distance from the eye.
            var normal = (r * torch.linalg.cross(e1, e2)).sum(1);
            // Not zero for a face the z-buffer drew at this pixel; rounding at a grazing angle must not make it 0/0.
            normal = torch.where(normal.eq(Scalars.Of(0)), ones_like(normal), normal);
            var u = -(r * torch.linalg.cross(c0, e2)).sum(1) / normal;
            var v = (r * torch.linalg.cross(c0, e1)).sum(1) / normal;
            var perPixel = torch.stack(new[] { u.Plus(v).SubtractedFrom(1.0), u, v }, 1);                // [N,3]
            bary = zeros(new long[] { b * pixels, 3 }, dtype, device).index_copy(0, pixelIndexT, perPixel).view(b, height, width, 3);
        }
        if (timings != null) timings.Barycentrics += Lap(ref clock);
        return new RasterFragments(triangleId.MoveToOuterDisposeScope(), depth.MoveToOuterDisposeScope(), bary.MoveToOuterDisposeScope(),
            camera.MoveToOuterDisposeScope())
        {
            Cameras = cameras.ToArray(),
            Visibility = vis,
            PixelIndex = pixelIndexT.MoveToOuterDisposeScope(),
            PixelBatch = pixelBatchT.MoveToOuterDisposeScope(),
            PixelFace = pixelFaceT.MoveToOuterDisposeScope(),
            PixelCorners = cornersT.MoveToOuterDisposeScope(),
        };
    }

    /// <summary>
    /// Vertex attributes at every pixel: the barycentric blend of its face's three vertices' rows, zeros on the
    /// background. Differentiable w.r.t. the attributes and (through the barycentrics) the vertex positions.
    /// </summary>
    /// <param name="attributes">[V,C] shared by all cameras, or [B,V,C] per camera; on the fragments' device</param>
    /// <returns>[B,H,W,C] in the attributes' dtype</returns>
    public static Tensor Interpolate(Tensor attributes, RasterFragments fragments)
    {
        int b = fragments.Visibility.Batch, v = fragments.Visibility.VertexCount, h = fragments.Height, w = fragments.Width;
        bool batched = attributes.ndim == 3;
        if (!(attributes.ndim == 2 && attributes.shape[0] == v || batched && attributes.shape[0] == b && attributes.shape[1] == v))
            throw new ArgumentException($"attributes must be [{v},C] or [{b},{v},C], got [{string.Join(",", attributes.shape)}]",
                nameof(attributes));
        long c = attributes.shape[^1], n = fragments.PixelIndex.shape[0];
        using var scope = NewDisposeScope();
        Tensor result;
        if (n == 0) result = zeros(new long[] { b, h, w, c }, attributes.dtype, attributes.device);
        else
        {
            var bary = fragments.Barycentrics.reshape(-1, 3).index_select(0, fragments.PixelIndex).to(attributes.dtype);
            var (table, rows) = batched
                ? (attributes.reshape(b * v, c), fragments.PixelCorners.Plus(fragments.PixelBatch.unsqueeze(1).Times((long)v)))
                : (attributes, fragments.PixelCorners);
            var values = table.index_select(0, rows.reshape(-1)).view(n, 3, c);
            var perPixel = (bary.unsqueeze(2) * values).sum(1);
            result = zeros(new long[] { b * h * w, c }, attributes.dtype, attributes.device)
                .index_copy(0, fragments.PixelIndex, perPixel).view(b, h, w, c);
        }
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Analytic antialiasing of silhouette edges (Laine et al. 2020, nvdiffrast's <c>antialias</c>): where a
    /// silhouette edge of the nearer face passes between two neighbouring pixel centres, the two colours are blended
    /// by the edge's crossing point (<see cref="AntialiasAnalysis"/> has the rule). Differentiable w.r.t. the colours
    /// and, through the crossing point, the projected positions of the edge's vertices. Interior pixels are returned
    /// unchanged.
    /// </summary>
    /// <param name="color">[B,H,W,C] the image to antialias (colour over the background, an alpha mask, ...)</param>
    /// <param name="adjacency">the faces' adjacency; built from the fragments' faces when null (pass one built once when
    /// the topology does not change)</param>
    public static Tensor Antialias(Tensor color, RasterFragments fragments, TriangleAdjacency? adjacency = null,
        DifferentiableRasterTimings? timings = null)
    {
        var vis = fragments.Visibility;
        int b = vis.Batch, h = vis.Height, w = vis.Width;
        if (color.ndim != 4 || color.shape[0] != b || color.shape[1] != h || color.shape[2] != w)
            throw new ArgumentException($"color must be [{b},{h},{w},C], got [{string.Join(",", color.shape)}]", nameof(color));
        long clock = Stopwatch.GetTimestamp();
        var edges = AntialiasAnalysis.Find(vis, adjacency ?? vis.Adjacency);
        if (timings != null) timings.AntialiasAnalysis += Lap(ref clock);
        using var scope = NewDisposeScope();
        long c = color.shape[3];
        var device = color.device;
        Tensor result;
        if (edges.Count == 0) result = color.clone();
        else
        {
            int n = edges.Count;
            Tensor Index(List<long> values) => torch.tensor(values.ToArray(), new long[] { n }, device: device);
            var dtype = fragments.CameraPositions.dtype;
            Tensor Real(List<double> values) => torch.tensor(values.ToArray(), new long[] { n }, ScalarType.Float64).to(dtype, device);
            var focal = Real(edges.Focal);
            var cx = Real(edges.CentreX);
            var cy = Real(edges.CentreY);
            var cam = fragments.CameraPositions.reshape(b * vis.VertexCount, 3);
            // Corners relative to the front pixel's centre in pixels (x right, y down), as along/across the pair.
            var vertical = torch.tensor(edges.Vertical.ToArray(), new long[] { n }, device: device);
            (Tensor Along, Tensor Across) Project(Tensor corner)
            {
                var z = corner.select(1, 2);
                var x = focal * corner.select(1, 0) / z - cx;
                var y = -(focal * corner.select(1, 1) / z) - cy;
                return (torch.where(vertical, y, x), torch.where(vertical, x, y));
            }
            var (alongA, acrossA) = Project(cam.index_select(0, Index(edges.VertexA)));
            var (alongB, acrossB) = Project(cam.index_select(0, Index(edges.VertexB)));
            var ds = Real(edges.Direction);
            // Where the edge meets the line through both centres, as the distance from the front centre to the other.
            var crossing = ds * (alongA - acrossA * (alongB - alongA) / (acrossB - acrossA));
            var alpha = crossing.ClampedTo(0, 1).SubtractedFrom(0.5) * ds;
            var flat = color.reshape(b * h * w, c);
            var difference = flat.index_select(0, Index(edges.Pixel1)) - flat.index_select(0, Index(edges.Pixel0));
            var delta = alpha.unsqueeze(1).to(color.dtype) * difference;
            result = flat.index_add(0, Index(edges.Target), delta, Scalars.One).view(b, h, w, c);
        }
        if (timings != null) timings.AntialiasBlend += Lap(ref clock);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>[B,V,3] the vertices in each camera's frame: x right, y up, z depth in front of the camera.</summary>
    internal static Tensor CameraSpace(Tensor vertices, IReadOnlyList<Camera> cameras)
    {
        int b = cameras.Count;
        var rotation = new double[b * 9];
        var position = new double[b * 3];
        for (int k = 0; k < b; k++)
        {
            var m = cameras[k].CameraToWorld();
            // rows: right, up and forward (the negated back axis), so that z is the depth
            for (int a = 0; a < 3; a++)
            {
                rotation[9 * k + a] = m[a, 0];
                rotation[9 * k + 3 + a] = m[a, 1];
                rotation[9 * k + 6 + a] = -m[a, 2];
                position[3 * k + a] = m[a, 3];
            }
        }
        using var scope = NewDisposeScope();
        var r = torch.tensor(rotation, new long[] { b, 3, 3 }, ScalarType.Float64).to(vertices.dtype, vertices.device);
        var p = torch.tensor(position, new long[] { b, 1, 3 }, ScalarType.Float64).to(vertices.dtype, vertices.device);
        return torch.matmul(vertices.unsqueeze(0) - p, r.transpose(1, 2)).MoveToOuterDisposeScope();
    }

    /// <summary>The positions as CPU floats (x, y, z per vertex), for the z-buffer.</summary>
    private static float[] CpuPositions(Tensor vertices)
    {
        return TensorData.ToArray<float>(vertices, ScalarType.Float32);
    }

    /// <summary>Faces [F,3] of integer vertex indices as CPU ints, each checked to be in [0, vertexCount).</summary>
    internal static int[] FaceIndices(Tensor faces, int vertexCount)
    {
        if (faces.ndim != 2 || faces.shape[1] != 3)
            throw new ArgumentException($"faces must be [F,3], got [{string.Join(",", faces.shape)}]", nameof(faces));
        if (faces.dtype is not (ScalarType.Int64 or ScalarType.Int32))
            throw new ArgumentException($"faces must be int64 or int32, got {faces.dtype}", nameof(faces));
        using var scope = NewDisposeScope();
        // checked as int64 first: an index beyond int32 must not wrap into range
        if (faces.numel() > 0 && (faces.min().item<long>() < 0 || faces.max().item<long>() >= vertexCount))
        {
            var values = faces.to(ScalarType.Int64).cpu().contiguous().data<long>().ToArray();
            int k = Array.FindIndex(values, v => v < 0 || v >= vertexCount);
            throw new ArgumentException($"face {k / 3} uses vertex {values[k]}, outside 0..{vertexCount - 1}", nameof(faces));
        }
        return TensorData.ToArray<int>(faces, ScalarType.Int32);
    }

    private static double Lap(ref long clock)
    {
        long now = Stopwatch.GetTimestamp();
        double seconds = (now - clock) / (double)Stopwatch.Frequency;
        clock = now;
        return seconds;
    }
}
