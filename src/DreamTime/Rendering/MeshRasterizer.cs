using System.Numerics;
using System.Runtime.CompilerServices;
using DreamTime.Geometry;
using DreamTime.Imaging;

namespace DreamTime.Rendering;

/// <summary>
/// Draws a <see cref="Mesh"/> (z-up world coordinates) with a z-buffer, through the same pinhole as
/// <see cref="Camera.Rays"/>: the image of a mesh lines up pixel for pixel with the NeRF render and the built-in
/// prior's images of that camera. Shading is the prior's (<see cref="Lighting.Shade(Vector3, Vector3, ShadingMode)"/>
/// with a world-fixed light), on a white background. Lighting is two-sided: a triangle seen from behind (an open mesh,
/// or a flipped one) is lit with its normals turned towards the viewer rather than drawn black.
/// </summary>
public static class MeshRasterizer
{
    private const float Background = 1f;
    // Camera-space depth below which geometry is clipped away; keeps projections finite for triangles that
    // reach behind the camera.
    private const float NearDepth = 1e-3f;
    private const int MaxSupersample = 4;

    /// <summary>
    /// Renders the mesh. The mask is each pixel's covered fraction: 0 or 1 with one sample per pixel, steps of
    /// 1/s^2 with <paramref name="supersample"/> = s (s x s samples per pixel, averaged, as in SdfRenderer).
    /// </summary>
    /// <param name="timings">when given, each stage's time is added to it (for benchmarks)</param>
    public static (RgbImage Image, float[] Mask) Render(Mesh mesh, Camera camera, int height, int width, Lighting? light = null,
        int supersample = 1, RasterTimings? timings = null) =>
        RenderWith(mesh, camera, height, width, light, supersample, timings, albedoOf: null);

    /// <summary>
    /// Renders a textured mesh as <see cref="Render(Mesh, Camera, int, int, Lighting?, int, RasterTimings?)"/> renders a
    /// vertex-coloured one, with each sample's albedo read from the base colour texture (bilinear, at the sample's
    /// perspective-correct UV).
    /// </summary>
    public static (RgbImage Image, float[] Mask) RenderTextured(TexturedMesh mesh, Camera camera, int height, int width,
        Lighting? light = null, int supersample = 1)
    {
        var texture = mesh.BaseColor ?? throw new ArgumentException("the textured mesh has no base colour texture", nameof(mesh));
        return RenderWith(mesh.ToMesh(), camera, height, width, light, supersample, null, (f, w) =>
        {
            var (a, b, c) = mesh.Triangle(f);
            return TextureFilter.Bilinear(texture, w.X * mesh.Uv(a) + w.Y * mesh.Uv(b) + w.Z * mesh.Uv(c));
        });
    }

    /// <param name="albedoOf">a sample's albedo from its face and barycentrics; null blends the vertex colours</param>
    private static (RgbImage Image, float[] Mask) RenderWith(Mesh mesh, Camera camera, int height, int width, Lighting? light,
        int supersample, RasterTimings? timings, Func<int, Vector3, Vector3>? albedoOf)
    {
        if (height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(height), $"image size must be positive, got {height}x{width}");
        if (supersample < 1 || supersample > MaxSupersample)
            throw new ArgumentOutOfRangeException(nameof(supersample), $"supersample must be 1..{MaxSupersample}, got {supersample}");
        light ??= Lighting.Default;
        int s = supersample;
        long clock = System.Diagnostics.Stopwatch.GetTimestamp();
        var view = new View(camera, height * s, width * s);
        var samples = new SampleBuffer(height * s, width * s);
        if (!mesh.IsEmpty)
        {
            var triangles = Setup(mesh, view);
            if (timings != null) timings.Setup += Lap(ref clock);
            Rasterize(triangles, samples);
            if (timings != null) timings.Rasterize += Lap(ref clock);
        }
        var result = Resolve(mesh, view, samples, light, s, height, width, albedoOf);
        if (timings != null) timings.Resolve += Lap(ref clock);
        return result;
    }

    private static double Lap(ref long clock)
    {
        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        double seconds = (now - clock) / (double)System.Diagnostics.Stopwatch.Frequency;
        clock = now;
        return seconds;
    }

    /// <summary>Renders each camera's view at size x size (2x2 supersampled) and tiles them, up to four per row.</summary>
    public static RgbImage Turnaround(Mesh mesh, IReadOnlyList<Camera> cameras, int size)
    {
        if (cameras.Count == 0) throw new ArgumentException("Turnaround needs at least one camera", nameof(cameras));
        var views = cameras.Select(c => Render(mesh, c, size, size, supersample: 2).Image).ToList();
        return ImageIO.Grid(views, Math.Min(views.Count, 4));
    }

    /// <summary>The camera as a world-to-camera transform and a focal length in pixels of the sample grid.</summary>
    private readonly struct View
    {
        public readonly int Height, Width;
        public readonly float Focal;
        public readonly Vector3 Position, Right, Up, Back;

        public View(Camera camera, int height, int width)
        {
            Height = height; Width = width;
            Focal = (float)camera.FocalPixels(height);
            var m = camera.CameraToWorld();
            Right = new Vector3((float)m[0, 0], (float)m[1, 0], (float)m[2, 0]);
            Up = new Vector3((float)m[0, 1], (float)m[1, 1], (float)m[2, 1]);
            Back = new Vector3((float)m[0, 2], (float)m[1, 2], (float)m[2, 2]);
            Position = new Vector3((float)m[0, 3], (float)m[1, 3], (float)m[2, 3]);
        }

        /// <summary>Camera-space point: x right, y up, z = depth in front of the camera (the camera looks down -Back).</summary>
        public Vector3 ToCamera(Vector3 world)
        {
            var d = world - Position;
            return new Vector3(Vector3.Dot(d, Right), Vector3.Dot(d, Up), -Vector3.Dot(d, Back));
        }

        /// <summary>Continuous sample-grid coordinates (column, row); sample (i, j) has its centre at (j + 0.5, i + 0.5).</summary>
        public Vector2 Project(Vector3 cam) => new(0.5f * Width + Focal * cam.X / cam.Z, 0.5f * Height - Focal * cam.Y / cam.Z);
    }

    /// <summary>
    /// A screen triangle ready for edge functions: corners in sample-grid coordinates, their inverse depths, and
    /// the barycentric coordinates of each corner within the mesh face it came from (not the identity only when
    /// the near plane cut the face).
    /// </summary>
    private readonly record struct ScreenTriangle(
        int Face, Vector2 P0, Vector2 P1, Vector2 P2, float InvDepth0, float InvDepth1, float InvDepth2,
        Vector3 Bary0, Vector3 Bary1, Vector3 Bary2, int MinRow, int MaxRow, int MinCol, int MaxCol);

    /// <summary>Per-sample z-buffer: inverse depth (0 = nothing drawn), the face seen and its barycentrics.</summary>
    private sealed class SampleBuffer(int height, int width)
    {
        public readonly int Height = height, Width = width;
        public readonly float[] InvDepth = new float[height * width];
        public readonly int[] Face = Enumerable.Repeat(-1, height * width).ToArray();
        public readonly Vector3[] Bary = new Vector3[height * width];
    }

    private readonly record struct CameraVertex(Vector3 Position, Vector3 Bary);

    private static List<ScreenTriangle> Setup(Mesh mesh, View view)
    {
        var cam = new Vector3[mesh.VertexCount];
        Parallel.For(0, cam.Length, v => cam[v] = view.ToCamera(mesh.Position(v)));
        var triangles = new List<ScreenTriangle>(mesh.TriangleCount);
        Span<CameraVertex> polygon = stackalloc CameraVertex[4];
        for (int f = 0; f < mesh.TriangleCount; f++)
        {
            var (a, b, c) = mesh.Triangle(f);
            var ca = new CameraVertex(cam[a], Vector3.UnitX);
            var cb = new CameraVertex(cam[b], Vector3.UnitY);
            var cc = new CameraVertex(cam[c], Vector3.UnitZ);
            int n = ClipToNearPlane(ca, cb, cc, polygon);
            // a convex polygon of n corners is a fan of n - 2 triangles
            for (int k = 1; k + 1 < n; k++) AddScreenTriangle(triangles, view, f, polygon[0], polygon[k], polygon[k + 1]);
        }
        return triangles;
    }

    /// <summary>Sutherland-Hodgman against depth = NearDepth: 0 corners (all behind), 3, or 4.</summary>
    private static int ClipToNearPlane(CameraVertex a, CameraVertex b, CameraVertex c, Span<CameraVertex> output)
    {
        if (a.Position.Z >= NearDepth && b.Position.Z >= NearDepth && c.Position.Z >= NearDepth)
        {
            output[0] = a; output[1] = b; output[2] = c;
            return 3;
        }
        int n = 0;
        ReadOnlySpan<CameraVertex> input = [a, b, c];
        for (int i = 0; i < 3; i++)
        {
            var p = input[i];
            var q = input[(i + 1) % 3];
            bool pIn = p.Position.Z >= NearDepth, qIn = q.Position.Z >= NearDepth;
            if (pIn) output[n++] = p;
            if (pIn != qIn)
            {
                // Barycentrics are affine in 3D, so the crossing point's are the same blend as its position.
                float t = (NearDepth - p.Position.Z) / (q.Position.Z - p.Position.Z);
                output[n++] = new CameraVertex(Vector3.Lerp(p.Position, q.Position, t), Vector3.Lerp(p.Bary, q.Bary, t));
            }
        }
        return n;
    }

    private static void AddScreenTriangle(List<ScreenTriangle> triangles, View view, int face, CameraVertex a, CameraVertex b,
        CameraVertex c)
    {
        var p0 = view.Project(a.Position); var p1 = view.Project(b.Position); var p2 = view.Project(c.Position);
        float area = Edge(p0, p1, p2);
        if (!(MathF.Abs(area) > 0)) return; // degenerate on screen (or NaN): covers no sample centre reliably
        var min = Vector2.Min(p0, Vector2.Min(p1, p2));
        var max = Vector2.Max(p0, Vector2.Max(p1, p2));
        // Samples whose centres (j + 0.5, i + 0.5) fall inside the bounding box, clamped to the grid.
        int minCol = (int)MathF.Max(0, MathF.Ceiling(min.X - 0.5f)), maxCol = (int)MathF.Min(view.Width - 1, MathF.Floor(max.X - 0.5f));
        int minRow = (int)MathF.Max(0, MathF.Ceiling(min.Y - 0.5f)), maxRow = (int)MathF.Min(view.Height - 1, MathF.Floor(max.Y - 0.5f));
        if (minCol > maxCol || minRow > maxRow) return;
        // Keep a consistent (positive-area) orientation so the inside test is "all edge functions >= 0".
        if (area < 0) { (p1, p2) = (p2, p1); (b, c) = (c, b); }
        triangles.Add(new ScreenTriangle(face, p0, p1, p2, 1 / a.Position.Z, 1 / b.Position.Z, 1 / c.Position.Z,
            a.Bary, b.Bary, c.Bary, minRow, maxRow, minCol, maxCol));
    }

    /// <summary>Twice the signed area of the triangle (a, b, p): the 2D cross product (b - a) x (p - a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Edge(Vector2 a, Vector2 b, Vector2 p) => (b.X - a.X) * (p.Y - a.Y) - (b.Y - a.Y) * (p.X - a.X);

    /// <summary>
    /// Fills the z-buffer. Rows are split into bands drawn in parallel; inside a band triangles are drawn in mesh
    /// order and a sample keeps the first of equally near ones, so the result does not depend on the thread count.
    /// </summary>
    private static void Rasterize(List<ScreenTriangle> triangles, SampleBuffer samples)
    {
        int bands = Math.Min(samples.Height, 4 * Environment.ProcessorCount);
        int bandHeight = (samples.Height + bands - 1) / bands;
        Parallel.For(0, bands, band =>
        {
            int rowStart = band * bandHeight, rowEnd = Math.Min(samples.Height, rowStart + bandHeight) - 1;
            foreach (var t in triangles)
                if (t.MaxRow >= rowStart && t.MinRow <= rowEnd)
                    Draw(t, Math.Max(rowStart, t.MinRow), Math.Min(rowEnd, t.MaxRow), samples);
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Draw(in ScreenTriangle t, int firstRow, int lastRow, SampleBuffer samples)
    {
        float invArea = 1 / Edge(t.P0, t.P1, t.P2);
        for (int i = firstRow; i <= lastRow; i++)
        {
            float y = i + 0.5f;
            int rowOffset = i * samples.Width;
            for (int j = t.MinCol; j <= t.MaxCol; j++)
            {
                var p = new Vector2(j + 0.5f, y);
                // Edge functions opposite each corner give its screen-space barycentric weight.
                float w0 = Edge(t.P1, t.P2, p), w1 = Edge(t.P2, t.P0, p), w2 = Edge(t.P0, t.P1, p);
                if (w0 < 0 || w1 < 0 || w2 < 0) continue;
                float l0 = w0 * invArea * t.InvDepth0, l1 = w1 * invArea * t.InvDepth1, l2 = w2 * invArea * t.InvDepth2;
                // Inverse depth is affine in screen space; nearer means larger.
                float invDepth = l0 + l1 + l2;
                int k = rowOffset + j;
                if (!(invDepth > samples.InvDepth[k])) continue;
                samples.InvDepth[k] = invDepth;
                samples.Face[k] = t.Face;
                // Perspective-correct weights of the corners, mapped to the original face's barycentrics.
                samples.Bary[k] = (l0 * t.Bary0 + l1 * t.Bary1 + l2 * t.Bary2) / invDepth;
            }
        }
    }

    /// <summary>Shades every sample from its face and barycentrics, then averages s x s samples per pixel.</summary>
    private static (RgbImage Image, float[] Mask) Resolve(Mesh mesh, View view, SampleBuffer samples, Lighting light, int s, int height,
        int width, Func<int, Vector3, Vector3>? albedoOf)
    {
        var faceNormals = new Vector3[mesh.TriangleCount];
        var facesAway = new bool[mesh.TriangleCount];
        for (int f = 0; f < faceNormals.Length; f++)
        {
            var fn = mesh.FaceNormal(f);
            faceNormals[f] = fn.LengthSquared() > 0 ? Vector3.Normalize(fn) : Vector3.Zero;
            facesAway[f] = Vector3.Dot(fn, mesh.Position(mesh.Indices[3 * f]) - view.Position) > 0;
        }
        var vertexNormals = mesh.Normals == null ? null : mesh.UnitNormalsForExport();
        float inv = 1f / (s * s);

        var pixels = new float[height * width * 3];
        var mask = new float[height * width];
        Parallel.For(0, height, row =>
        {
            for (int col = 0; col < width; col++)
            {
                var rgb = Vector3.Zero;
                float cover = 0;
                for (int sy = 0; sy < s; sy++)
                    for (int sx = 0; sx < s; sx++)
                    {
                        int k = (row * s + sy) * samples.Width + col * s + sx;
                        int f = samples.Face[k];
                        if (f < 0) { rgb += new Vector3(Background); continue; }
                        cover += 1;
                        var (a, b, c) = mesh.Triangle(f);
                        var w = samples.Bary[k];
                        var albedo = albedoOf != null ? albedoOf(f, w) : w.X * mesh.Color(a) + w.Y * mesh.Color(b) + w.Z * mesh.Color(c);
                        var normal = vertexNormals == null ? faceNormals[f]
                            : SafeNormalize(w.X * At(vertexNormals, a) + w.Y * At(vertexNormals, b) + w.Z * At(vertexNormals, c),
                                faceNormals[f]);
                        if (facesAway[f]) normal = -normal;
                        // Vertex colours are not checked on the way in, and image pixels must stay in [0,1].
                        rgb += Vector3.Clamp(light.Shade(albedo, normal), Vector3.Zero, Vector3.One);
                    }
                int p = row * width + col;
                pixels[3 * p] = rgb.X * inv; pixels[3 * p + 1] = rgb.Y * inv; pixels[3 * p + 2] = rgb.Z * inv;
                mask[p] = cover * inv;
            }
        });
        return (new RgbImage(height, width, pixels), mask);
    }

    private static Vector3 At(float[] xyz, int v) => new(xyz[3 * v], xyz[3 * v + 1], xyz[3 * v + 2]);

    // Normals of opposite vertices can cancel inside a thin fold; the face normal is the sensible stand-in there.
    private static Vector3 SafeNormalize(Vector3 n, Vector3 fallback)
    {
        float len = n.Length();
        return len > 1e-8f ? n / len : fallback;
    }
}
