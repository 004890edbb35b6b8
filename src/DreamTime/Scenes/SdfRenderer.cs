using System.Numerics;
using System.Runtime.CompilerServices;
using DreamTime.Rendering;

namespace DreamTime.Scenes;

/// <summary>
/// Sphere-traces PriorScenes through the rays of Rendering.Camera, so pixels line up with the NeRF renderer.
/// Shading is <see cref="Lighting.Shade(Vector3, Vector3, ShadingMode)"/> with a world-fixed light: a member
/// looks the same from every view. Rays only visit primitives whose bounding sphere they cross. Each image also
/// carries the surface normals, composited over the rays of a pixel as a volume render composites them.
/// </summary>
public sealed class SdfRenderer
{
    /// <summary>Colour of pixels that miss every primitive (white).</summary>
    public float Background { get; init; } = 1f;
    public Lighting Light { get; init; } = Lighting.Default;
    /// <summary>Rays per pixel side: 1 = one ray through the pixel centre; 2 = 2x2 rays averaged (soft edges, 4x the cost).</summary>
    public int Supersample { get; init; } = 1;

    private const int MaxSteps = 128;
    private const float HitEpsilon = 4e-4f;
    // Ellipsoid distances are estimates; a slightly shorter step keeps them from overshooting thin parts.
    private const float StepFactor = 0.95f;
    private const float NormalEpsilon = 1e-3f;

    public SceneImage Render(PriorScene scene, Camera camera, int height, int width) => Render(new[] { scene }, camera, height, width)[0];

    /// <summary>Renders every scene for one camera; work is spread over (scene, row) pairs.</summary>
    public SceneImage[] Render(IReadOnlyList<PriorScene> scenes, Camera camera, int height, int width)
    {
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), "image size must be positive");
        int s = Math.Max(1, Supersample);
        var (origins, dirs) = camera.Rays(height * s, width * s);
        var o = new Vector3(origins[0], origins[1], origins[2]);
        var images = scenes.Select(_ => new SceneImage(height, width, new float[height * width * 3], new float[height * width],
            new float[height * width * 3])).ToArray();
        float inv = 1f / (s * s);
        Parallel.For(0, scenes.Count * height, job =>
        {
            int m = job / height, row = job % height;
            var scene = scenes[m];
            var img = images[m];
            Span<int> candidates = stackalloc int[scene._primitives.Length];
            for (int col = 0; col < width; col++)
            {
                Vector3 rgb = Vector3.Zero, normals = Vector3.Zero;
                float cover = 0;
                for (int sy = 0; sy < s; sy++)
                    for (int sx = 0; sx < s; sx++)
                    {
                        int k = ((row * s + sy) * width * s + col * s + sx) * 3;
                        var d = new Vector3(dirs[k], dirs[k + 1], dirs[k + 2]);
                        if (Trace(scene._primitives, o, d, candidates, out var albedo, out var normal))
                        {
                            rgb += Light.Shade(albedo, normal);
                            normals += normal;
                            cover += 1;
                        }
                        else rgb += new Vector3(Background);
                    }
                int p = row * width + col;
                img.Rgb[3 * p] = rgb.X * inv; img.Rgb[3 * p + 1] = rgb.Y * inv; img.Rgb[3 * p + 2] = rgb.Z * inv;
                img.Mask[p] = cover * inv;
                img.Normal[3 * p] = normals.X * inv; img.Normal[3 * p + 1] = normals.Y * inv; img.Normal[3 * p + 2] = normals.Z * inv;
            }
        });
        return images;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool Trace(Primitive[] prims, Vector3 o, Vector3 d, Span<int> candidates, out Vector3 albedo, out Vector3 normal)
    {
        albedo = normal = default;
        int n = 0;
        float tNear = float.PositiveInfinity, tFar = 0;
        for (int i = 0; i < prims.Length; i++)
        {
            var oc = o - prims[i].Center;
            float b = Vector3.Dot(oc, d), c = Vector3.Dot(oc, oc) - prims[i].BoundRadius * prims[i].BoundRadius;
            float disc = b * b - c;
            if (disc < 0) continue;
            float sq = MathF.Sqrt(disc), t1 = -b + sq;
            if (t1 < 0) continue;
            candidates[n++] = i;
            tNear = MathF.Min(tNear, MathF.Max(0, -b - sq));
            tFar = MathF.Max(tFar, t1);
        }
        if (n == 0) return false;
        var cand = candidates[..n];
        float t = tNear;
        for (int step = 0; step < MaxSteps && t <= tFar; step++)
        {
            var p = o + t * d;
            float dist = Distance(prims, cand, p, out int closest);
            if (dist < HitEpsilon)
            {
                albedo = prims[closest].Albedo;
                normal = Normal(prims, cand, p);
                return true;
            }
            t += dist * StepFactor;
        }
        return false;
    }

    // Min over candidates; a primitive whose bounding sphere is farther than the best distance so far cannot be closer.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Distance(Primitive[] prims, ReadOnlySpan<int> cand, Vector3 p, out int closest)
    {
        float best = float.PositiveInfinity;
        closest = cand[0];
        foreach (int i in cand)
        {
            ref readonly var prim = ref prims[i];
            if (Vector3.Distance(p, prim.Center) - prim.BoundRadius >= best) continue;
            float d = prim.Distance(p);
            if (d < best) { best = d; closest = i; }
        }
        return best;
    }

    // Gradient of the distance by the four-point tetrahedral difference.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector3 Normal(Primitive[] prims, ReadOnlySpan<int> cand, Vector3 p)
    {
        const float e = NormalEpsilon;
        var k0 = new Vector3(1, -1, -1); var k1 = new Vector3(-1, -1, 1); var k2 = new Vector3(-1, 1, -1); var k3 = new Vector3(1, 1, 1);
        var g = k0 * Distance(prims, cand, p + e * k0, out _) + k1 * Distance(prims, cand, p + e * k1, out _)
              + k2 * Distance(prims, cand, p + e * k2, out _) + k3 * Distance(prims, cand, p + e * k3, out _);
        float len = g.Length();
        return len > 0 ? g / len : Vector3.UnitZ;
    }
}
