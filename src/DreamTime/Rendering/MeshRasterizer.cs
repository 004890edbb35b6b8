using System.Numerics;
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
        var view = new RasterView(camera, height * s, width * s);
        var samples = Draw(mesh, view, timings, ref clock);
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

    /// <summary>
    /// The z-buffer of one view (samples of the supersampled grid), with barycentrics. The differentiable rasteriser
    /// draws the same buffer without them; tests compare the two here.
    /// </summary>
    internal static ZBuffer ZBuffer(Mesh mesh, Camera camera, int height, int width)
    {
        long clock = 0;
        return Draw(mesh, new RasterView(camera, height, width), null, ref clock);
    }

    private static ZBuffer Draw(Mesh mesh, RasterView view, RasterTimings? timings, ref long clock)
    {
        var samples = new ZBuffer(view.Height, view.Width, barycentrics: true);
        if (mesh.IsEmpty) return samples;
        var (triangles, _) = TriangleSetup.Setup(mesh.Positions, mesh.Indices, view);
        if (timings != null) timings.Setup += Lap(ref clock);
        samples.Draw(triangles);
        if (timings != null) timings.Rasterize += Lap(ref clock);
        return samples;
    }

    /// <summary>Shades every sample from its face and barycentrics, then averages s x s samples per pixel.</summary>
    private static (RgbImage Image, float[] Mask) Resolve(Mesh mesh, RasterView view, ZBuffer samples, Lighting light, int s, int height,
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
                        var w = samples.Bary![k];
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
