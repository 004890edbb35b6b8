using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Rendering;

/// <summary>
/// Emission-absorption volume rendering of an <see cref="IVolumeField"/> along camera rays: stratified samples
/// between the ray's entry into and exit from the scene bounds (jittered in training, bin midpoints in
/// evaluation), weights w_i = (1 - exp(-sigma_i delta_i)) exp(-sum_{j&lt;i} sigma_j delta_j), colours shaded
/// per sample and composited, background added as rgb + (1 - opacity) bg.
/// </summary>
public sealed class VolumeRenderer(int samplesPerRay, string boundShape, double boundRadius, double skipWeight = 0)
{
    /// <summary>
    /// Samples whose compositing weight is at most this are left out of the colour and normal terms (their
    /// albedo and normal are never computed); each could change a pixel by at most this much. Their density
    /// still counts through the transmittance of the samples behind them. 0 keeps every sample with w &gt; 0.
    /// </summary>
    public double SkipWeight { get; } = skipWeight;

    public int SamplesPerRay { get; } = samplesPerRay;
    public string BoundShape { get; } = boundShape;
    public double BoundRadius { get; } = boundRadius;

    /// <summary>Samples of the last render whose appearance was computed, and all samples marched.</summary>
    public long KeptSamples { get; private set; }
    public long TotalSamples { get; private set; }
    /// <summary>Samples of the last render whose density was queried (all of them without empty-space skipping).</summary>
    public long QueriedSamples { get; private set; }

    /// <summary>When set, each render records the time spent in its parts (this forces no synchronisation on CPU).</summary>
    public RenderTimings? Timings { get; set; }

    /// <summary>Rays of all cameras, [B*H*W, 3] each, in the cameras' order (row-major per image).</summary>
    public static (Tensor Origins, Tensor Directions) CameraRays(IReadOnlyList<Camera> cameras, int height, int width, Device device)
    {
        var os = new List<Tensor>();
        var ds = new List<Tensor>();
        foreach (var cam in cameras)
        {
            var (o, d) = cam.RayTensors(height, width, device);
            os.Add(o); ds.Add(d);
        }
        return (torch.cat(os, 0), torch.cat(ds, 0));
    }

    /// <summary>
    /// Sample distances [R,S] and interval lengths [R,S] for rays with the given near/far [R]: bin k covers
    /// [near + k h, near + (k+1) h], h = (far - near) / S; the sample sits at a uniform position in its bin
    /// (jitter) or at its middle (jitter null).
    /// </summary>
    public static (Tensor T, Tensor Delta) Stratified(Tensor near, Tensor far, int samples, Generator? jitter)
    {
        long r = near.shape[0];
        var h = (far - near).DividedBy(samples).unsqueeze(1);                                     // [R,1]
        var k = ScalarArithmetic.Arange(samples, near.dtype, near.device).unsqueeze(0);   // [1,S]
        var u = jitter == null
            ? torch.full(new long[] { r, samples }, Scalars.Of(0.5), dtype: near.dtype, device: near.device)
            : torch.rand(new long[] { r, samples }, dtype: near.dtype, generator: jitter).to(near.device);
        return (near.unsqueeze(1).Plus(k.Plus(u) * h), h.expand(r, samples));
    }

    /// <summary>Compositing weights [R,S] from densities and interval lengths [R,S].</summary>
    public static Tensor Weights(Tensor sigma, Tensor delta)
    {
        var tau = sigma * delta;
        // exp of the exclusive cumulative sum is the transmittance; it avoids cumprod's 0/0 in the backward pass.
        var transmittance = torch.exp(-(tau.cumsum(1) - tau));
        return torch.exp(-tau).SubtractedFrom(1) * transmittance;
    }

    /// <param name="occupied">empty-space skipping: which samples [N,3] may have density (an occupancy grid's test); the
    /// field is queried only at those and the others get zero density. Null queries every sample.</param>
    public RenderOutput Render(IVolumeField field, Func<Tensor, Tensor> background, IReadOnlyList<Camera> cameras,
                               int height, int width, ShadingMode shading, Lighting light, Generator? jitter, bool normals, Device device,
                               ScalarType dtype = ScalarType.Float32, int? samplesPerRay = null, Func<Tensor, Tensor>? occupied = null)
    {
        if (cameras.Count == 0) throw new ArgumentException("render: no cameras");
        if (height < 1 || width < 1) throw new ArgumentException($"render: image size {height}x{width} must be positive");
        bool needNormals = normals || shading != ShadingMode.Albedo;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int b = cameras.Count, s = samplesPerRay ?? SamplesPerRay;
        if (s < 1) throw new ArgumentException($"render: samples per ray {s} must be positive");
        var (origins, dirs) = CameraRays(cameras, height, width, device);
        origins = origins.to(dtype); dirs = dirs.to(dtype);
        long rays = origins.shape[0];
        var (near, far, hit) = RayBounds.Intersect(origins, dirs, BoundShape, BoundRadius);
        // Only rays that enter the bounds are marched; the rest keep zero weight.
        var index = hit.nonzero().squeeze(1);
        long live = index.shape[0];
        var o = origins.index_select(0, index);
        var d = dirs.index_select(0, index);
        var (t, delta) = Stratified(near.index_select(0, index), far.index_select(0, index), s, jitter);
        var points = o.unsqueeze(1).Plus(d.unsqueeze(1) * t.unsqueeze(2)).reshape(live * s, 3);
        if (Timings != null) Timings.Rays += Lap(clock);

        // With skipping, the field sees only the queried samples; `position` maps a sample to its row there (-1: skipped).
        Tensor? queried = null, position = null;
        if (occupied != null)
        {
            using var _ = torch.no_grad();
            queried = occupied(points).nonzero().squeeze(1);
            position = torch.full(new long[] { live * s }, Scalars.Of(-1L), dtype: ScalarType.Int64, device: device)
                .index_copy(0, queried, ScalarArithmetic.Arange(queried.shape[0], ScalarType.Int64, device));
        }
        var fd = field.Density(queried is null ? points : points.index_select(0, queried));
        if (Timings != null) Timings.Field += Lap(clock);
        var sigma = queried is null ? fd.Density
            : torch.zeros(live * s, dtype: fd.Density.dtype, device: device).index_copy(0, queried, fd.Density);
        QueriedSamples = queried is null ? live * s : queried.shape[0];

        var w = Weights(sigma.reshape(live, s), delta);                                            // [R',S]
        var opacityLive = w.sum(1, keepdim: true);
        var depthLive = (w * t).sum(1, keepdim: true);
        // Appearance only where a sample can be seen; the kept samples' colours go back to their rays.
        var flatW = w.reshape(live * s);
        Tensor keep;
        using (torch.no_grad()) keep = flatW.gt(Scalars.Of(SkipWeight)).nonzero().squeeze(1);
        var rayOf = keep.div(Scalars.Of(s), rounding_mode: RoundingMode.floor);
        var wKeep = flatW.index_select(0, keep).unsqueeze(1);                                    // [K,1]
        if (Timings != null) Timings.Composite += Lap(clock);
        // a kept sample has weight above SkipWeight >= 0, so density, so it was queried
        var (albedo, normalKeep) = field.Appearance(fd, position is null ? keep : position.index_select(0, keep), needNormals);
        if (Timings != null) Timings.Field += Lap(clock);
        KeptSamples = keep.shape[0];
        TotalSamples = live * s;

        var colour = light.Shade(albedo, normalKeep, shading);
        var rgbLive = torch.zeros(live, 3, dtype: dtype, device: device).index_add(0, rayOf, wKeep * colour, Scalars.One);
        Tensor normalLive, orientSum;
        if (needNormals)
        {
            normalLive = torch.zeros(live, 3, dtype: dtype, device: device).index_add(0, rayOf, wKeep * normalKeep!, Scalars.One);
            // Normals facing away from the camera (n.d > 0) on visible samples are penalised (Ref-NeRF / DreamFusion).
            var facing = (normalKeep! * d.index_select(0, rayOf)).sum(-1, keepdim: true).clamp_min(Scalars.Of(0));
            orientSum = (wKeep.detach() * facing * facing).sum();
        }
        else
        {
            normalLive = torch.zeros(live, 3, dtype: dtype, device: device);
            orientSum = torch.zeros(new long[0], dtype: dtype, device: device);
        }

        Tensor Scatter(Tensor valuesLive, int channels) =>
            torch.zeros(rays, channels, dtype: dtype, device: device).index_copy(0, index, valuesLive);

        var opacity = Scatter(opacityLive, 1);
        var bg = background(dirs);
        var rgb = Scatter(rgbLive, 3).Plus(opacity.SubtractedFrom(1) * bg);
        var depth = Scatter(depthLive, 1);
        var normal = Scatter(normalLive, 3);

        var seen = opacity.gt(Scalars.Of(0)).sum().clamp_min(Scalars.Of(1)).to(dtype);
        var orientation = orientSum / seen;
        if (Timings != null) Timings.Composite += Lap(clock);

        return new RenderOutput(
            rgb.view(b, height, width, 3), opacity.view(b, height, width, 1), depth.view(b, height, width, 1),
            normal.view(b, height, width, 3), bg.view(b, height, width, 3))
        {
            Extras = new Dictionary<string, Tensor> { [OrientationExtra] = orientation },
        };
    }

    /// <summary>
    /// The extra that needs the samples themselves, so only the renderer can compute it: sum over samples of
    /// stopgrad(w) * relu(n.d)^2, divided by the number of rays with opacity &gt; 0 (0 without normals).
    /// </summary>
    public const string OrientationExtra = "orientation";

    private static double Lap(System.Diagnostics.Stopwatch clock)
    {
        double s = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return s;
    }
}
