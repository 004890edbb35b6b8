using System.Numerics;
using DreamTime.Imaging;

namespace DreamTime.Geometry;

/// <summary>
/// Bakes textures for a <see cref="TexturedMesh"/>'s atlas. Every triangle is rasterised in UV space: a texel
/// whose centre it covers gets the surface point (and interpolated normal) at that centre. A texel just outside
/// the charts (centre within 1.5 texels of a triangle; the nearest triangle wins) gets the point of the nearest
/// triangle's plane there, so bilinear filtering anywhere on a chart reads values of that chart's own surface. The
/// points go to the caller's function in batches; texels further out are filled by <see cref="TextureBakeOptions.Dilation"/>
/// rounds of 8-neighbour averaging, and whatever is still empty takes the mean of the baked texels.
/// </summary>
public static class TextureBaker
{
    /// <summary>
    /// How far outside a triangle (in texels) a texel centre is still baked from it: covers the bilinear footprint
    /// of any point on the triangle (at most a diagonal, sqrt 2, away) and stays short of the next chart when
    /// charts keep a gutter of two texels.
    /// </summary>
    private const float Reach = 1.5f;

    /// <summary>
    /// Bakes the base colour, and when <paramref name="roughnessMetallic"/> is given the glTF metallicRoughness
    /// texture. Each function gets points [P*3] and unit normals [P*3] (z-up world) and returns P*3 colours in [0,1]
    /// (albedo) or P*2 (roughness, metallic); values are clamped to [0,1] and a non-finite one becomes 0.
    /// </summary>
    public static TexturedMesh Bake(TexturedMesh mesh, Func<float[], float[], float[]> albedo,
        Func<float[], float[], float[]>? roughnessMetallic = null, TextureBakeOptions? options = null)
    {
        options ??= new TextureBakeOptions();
        options.Validate();
        var texels = Coverage.Of(mesh, options.Resolution ?? mesh.AtlasResolution);
        var (points, normals) = texels.SurfacePoints(mesh);
        var colour = Evaluate(albedo, points, normals, 3, options.BatchSize, "albedo");
        var baseColor = texels.ToImage(colour, 3, options.Dilation, (src, dst) => src.CopyTo(dst));
        RgbImage? orm = null;
        if (roughnessMetallic != null)
        {
            var rm = Evaluate(roughnessMetallic, points, normals, 2, options.BatchSize, "roughness-metallic");
            // glTF reads roughness from G and metallic from B; R (occlusion in packed textures) is left at "none".
            orm = texels.ToImage(rm, 2, options.Dilation, (src, dst) =>
            {
                dst[0] = 1;
                dst[1] = src[0];
                dst[2] = src[1];
            });
        }
        return mesh.WithTextures(baseColor, orm);
    }

    /// <summary>
    /// Bakes the vertex colours of the mesh that was unwrapped (<paramref name="source"/>, through
    /// <see cref="TexturedMesh.SourceVertex"/>) into the base colour: each texel gets the barycentric blend of its
    /// triangle's corner colours, as the rasteriser blends them across the triangle.
    /// </summary>
    public static TexturedMesh BakeVertexColors(TexturedMesh mesh, Mesh source, TextureBakeOptions? options = null)
    {
        options ??= new TextureBakeOptions();
        options.Validate();
        var map = mesh.SourceVertex ?? throw new ArgumentException("the textured mesh does not know its source vertices");
        foreach (int v in map)
            if ((uint)v >= (uint)source.VertexCount)
                throw new ArgumentException($"source vertex {v} out of range for a mesh of {source.VertexCount} vertices");
        var texels = Coverage.Of(mesh, options.Resolution ?? mesh.AtlasResolution);
        var colour = new float[3 * texels.Count];
        Parallel.For(0, texels.Count, i =>
        {
            int k = texels.Covered[i];
            var (a, b, c) = mesh.Triangle(texels.Face[k]);
            var w = texels.Bary[k];
            var rgb = w.X * source.Color(map[a]) + w.Y * source.Color(map[b]) + w.Z * source.Color(map[c]);
            colour[3 * i] = rgb.X;
            colour[3 * i + 1] = rgb.Y;
            colour[3 * i + 2] = rgb.Z;
        });
        Sanitize(colour);
        return mesh.WithTextures(texels.ToImage(colour, 3, options.Dilation, (src, dst) => src.CopyTo(dst)));
    }

    private static float[] Evaluate(Func<float[], float[], float[]> function, float[] points, float[] normals, int channels,
        int batchSize, string what)
    {
        int count = points.Length / 3;
        var result = new float[channels * count];
        for (int start = 0; start < count; start += batchSize)
        {
            int n = Math.Min(batchSize, count - start);
            var values = function(points[(3 * start)..(3 * (start + n))], normals[(3 * start)..(3 * (start + n))]);
            if (values.Length != channels * n)
                throw new InvalidOperationException(
                    $"the {what} function returned {values.Length} values for {n} points; expected {channels * n}");
            values.CopyTo(result, channels * start);
        }
        Sanitize(result);
        return result;
    }

    private static void Sanitize(float[] values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = float.IsFinite(values[i]) ? Math.Clamp(values[i], 0f, 1f) : 0f;
    }

    /// <summary>Which triangle, and where in it (barycentrics, extrapolated outside it), each texel centre is baked from.</summary>
    private sealed class Coverage
    {
        public readonly int Resolution;
        public readonly int[] Face;
        public readonly Vector3[] Bary;
        /// <summary>The texels that have a triangle, in row-major order.</summary>
        public readonly int[] Covered;
        public int Count => Covered.Length;

        private Coverage(int resolution, int[] face, Vector3[] bary)
        {
            Resolution = resolution;
            Face = face;
            Bary = bary;
            Covered = Enumerable.Range(0, face.Length).Where(k => face[k] >= 0).ToArray();
        }

        public static Coverage Of(TexturedMesh mesh, int resolution)
        {
            int r = resolution;
            var face = new int[r * r];
            Array.Fill(face, -1);
            var bary = new Vector3[r * r];
            var distance = new float[r * r];
            Array.Fill(distance, float.PositiveInfinity);
            int triangles = mesh.TriangleCount;
            var corners = new Vector2[3 * triangles];
            var rows = new (int First, int Last)[triangles];
            for (int f = 0; f < triangles; f++)
            {
                var (a, b, c) = mesh.Triangle(f);
                corners[3 * f] = mesh.Uv(a) * r;
                corners[3 * f + 1] = mesh.Uv(b) * r;
                corners[3 * f + 2] = mesh.Uv(c) * r;
                float lo = MathF.Min(corners[3 * f].Y, MathF.Min(corners[3 * f + 1].Y, corners[3 * f + 2].Y));
                float hi = MathF.Max(corners[3 * f].Y, MathF.Max(corners[3 * f + 1].Y, corners[3 * f + 2].Y));
                rows[f] = (Math.Max(0, (int)MathF.Ceiling(lo - Reach - 0.5f)), Math.Min(r - 1, (int)MathF.Floor(hi + Reach - 0.5f)));
            }
            // Bands of rows in parallel; inside a band triangles go in order and ties keep the first, so the result
            // does not depend on the thread count.
            int bands = Math.Min(r, 4 * Environment.ProcessorCount);
            int bandHeight = (r + bands - 1) / bands;
            Parallel.For(0, bands, band =>
            {
                int first = band * bandHeight, last = Math.Min(r, first + bandHeight) - 1;
                for (int f = 0; f < triangles; f++)
                    if (rows[f].Last >= first && rows[f].First <= last)
                        Draw(corners.AsSpan(3 * f, 3), f, Math.Max(first, rows[f].First), Math.Min(last, rows[f].Last), r, face, bary,
                            distance);
            });
            return new Coverage(r, face, bary);
        }

        private static void Draw(ReadOnlySpan<Vector2> p, int f, int firstRow, int lastRow, int r, int[] face, Vector3[] bary,
            float[] distance)
        {
            float area = Edge(p[0], p[1], p[2]);
            if (!(MathF.Abs(area) > 1e-12f)) return;
            float minX = MathF.Min(p[0].X, MathF.Min(p[1].X, p[2].X)), maxX = MathF.Max(p[0].X, MathF.Max(p[1].X, p[2].X));
            int firstCol = Math.Max(0, (int)MathF.Ceiling(minX - Reach - 0.5f));
            int lastCol = Math.Min(r - 1, (int)MathF.Floor(maxX + Reach - 0.5f));
            float inv = 1 / area;
            for (int i = firstRow; i <= lastRow; i++)
                for (int j = firstCol; j <= lastCol; j++)
                {
                    var q = new Vector2(j + 0.5f, i + 0.5f);
                    // Signed weights work for either winding: divided by the signed area they are the barycentrics.
                    var w = new Vector3(Edge(p[1], p[2], q), Edge(p[2], p[0], q), Edge(p[0], p[1], q)) * inv;
                    float d = w.X >= 0 && w.Y >= 0 && w.Z >= 0 ? 0
                        : MathF.Min(SegmentDistance(q, p[0], p[1]),
                            MathF.Min(SegmentDistance(q, p[1], p[2]), SegmentDistance(q, p[2], p[0])));
                    int k = i * r + j;
                    if (!(d <= Reach) || !(d < distance[k])) continue;
                    distance[k] = d;
                    face[k] = f;
                    bary[k] = w;
                }
        }

        private static float Edge(Vector2 a, Vector2 b, Vector2 p) => (b.X - a.X) * (p.Y - a.Y) - (b.Y - a.Y) * (p.X - a.X);

        private static float SegmentDistance(Vector2 q, Vector2 a, Vector2 b)
        {
            var ab = b - a;
            float len2 = ab.LengthSquared();
            float t = len2 > 0 ? Math.Clamp(Vector2.Dot(q - a, ab) / len2, 0f, 1f) : 0f;
            return Vector2.Distance(q, a + t * ab);
        }

        /// <summary>
        /// Each covered texel's point on its triangle's plane and its unit normal (corner normals blended inside the
        /// triangle, the nearest edge's blend outside it).
        /// </summary>
        public (float[] Points, float[] Normals) SurfacePoints(TexturedMesh mesh)
        {
            var points = new float[3 * Count];
            var normals = new float[3 * Count];
            Parallel.For(0, Count, i =>
            {
                int k = Covered[i];
                var (a, b, c) = mesh.Triangle(Face[k]);
                var w = Bary[k];
                var p = w.X * mesh.Position(a) + w.Y * mesh.Position(b) + w.Z * mesh.Position(c);
                var wc = Vector3.Max(w, Vector3.Zero);
                var n = wc.X * mesh.Normal(a) + wc.Y * mesh.Normal(b) + wc.Z * mesh.Normal(c);
                if (!(n.LengthSquared() > 1e-12f))
                    n = Vector3.Cross(mesh.Position(b) - mesh.Position(a), mesh.Position(c) - mesh.Position(a));
                n = n.LengthSquared() > 0 ? Vector3.Normalize(n) : Vector3.UnitZ;
                points[3 * i] = p.X; points[3 * i + 1] = p.Y; points[3 * i + 2] = p.Z;
                normals[3 * i] = n.X; normals[3 * i + 1] = n.Y; normals[3 * i + 2] = n.Z;
            });
            return (points, normals);
        }

        /// <summary>An image of the covered texels' values (<paramref name="channels"/> per texel, turned into RGB by
        /// <paramref name="pack"/>), padded outwards by dilation.</summary>
        public RgbImage ToImage(float[] values, int channels, int dilation, Action<ReadOnlySpan<float>, Span<float>> pack)
        {
            int r = Resolution;
            var pixels = new float[3 * r * r];
            var filled = new bool[r * r];
            for (int i = 0; i < Count; i++)
            {
                pack(values.AsSpan(channels * i, channels), pixels.AsSpan(3 * Covered[i], 3));
                filled[Covered[i]] = true;
            }
            TexturePadding.Pad(pixels, filled, r, dilation);
            return new RgbImage(r, r, pixels);
        }
    }
}
