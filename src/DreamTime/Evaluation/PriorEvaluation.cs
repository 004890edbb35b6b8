using DreamTime.Rendering;
using DreamTime.Scenes;
using static TorchSharp.torch;

namespace DreamTime.Evaluation;

/// <summary>
/// Ground-truth metrics of the built-in prior: render a result from the evaluation views and compare it with
/// every member's analytic renders of the same views. Member renders are made once per instance. In the normal
/// modality the colours compared are normal images (<see cref="NormalImage"/>), the result's and the members'.
/// </summary>
public sealed class PriorEvaluation
{
    public IReadOnlyList<FamilyMember> Members { get; }
    public IReadOnlyList<Camera> Views { get; }
    public int Height { get; }
    public int Width { get; }
    /// <summary>What is compared: shaded colours, or normal images (each member's <see cref="SceneImage.Rgb"/> is then its
    /// normal image).</summary>
    public ImageModality Modality { get; }
    /// <summary>[view][member] analytic renders.</summary>
    public IReadOnlyList<SceneImage[]> MemberImages { get; }
    public const int DefaultSupersample = 2;

    public PriorEvaluation(IReadOnlyList<FamilyMember> members, IReadOnlyList<Camera> views, int height, int width,
        SdfRenderer? renderer = null, ImageModality modality = ImageModality.Shaded)
    {
        if (members.Count == 0) throw new ArgumentException("no members to evaluate against");
        if (views.Count == 0) throw new ArgumentException("no evaluation views");
        Members = members; Views = views; Height = height; Width = width; Modality = modality;
        // 1 ray per pixel is only 27.9 dB from the area-averaged image (64 px, vs 8x8 rays); 2x2 is 35.8 dB, which
        // keeps aliasing from capping the PSNR of a result whose volume-rendered edges are soft.
        renderer ??= new SdfRenderer { Supersample = DefaultSupersample };
        var scenes = members.Select(m => m.Scene).ToList();
        MemberImages = views.Select(v => renderer.Render(scenes, v, height, width).Select(i => i.In(modality)).ToArray()).ToList();
    }

    /// <summary>One-shot form: renders the members and evaluates one result.</summary>
    public static PriorEvaluationResult Evaluate(Func<Camera, (float[] Rgb, float[] Opacity)> render, IReadOnlyList<Camera> views,
                                                 IReadOnlyList<FamilyMember> members, int height, int width,
                                                 SdfRenderer? renderer = null) =>
        new PriorEvaluation(members, views, height, width, renderer).Evaluate(render);

    /// <summary>Evaluates a renderer returning tensors: rgb [H,W,3] in [0,1] and opacity [H,W].</summary>
    public PriorEvaluationResult Evaluate(Func<Camera, (Tensor Rgb, Tensor Opacity)> render) => Evaluate(camera =>
    {
        var (rgb, opacity) = render(camera);
        using var r = rgb.detach().to(float32).cpu().contiguous();
        using var o = opacity.detach().to(float32).cpu().contiguous();
        return (r.data<float>().ToArray(), o.data<float>().ToArray());
    });

    /// <summary>Evaluates a renderer returning rgb [H*W*3] (row-major HWC, in [0,1]) and opacity [H*W].</summary>
    public PriorEvaluationResult Evaluate(Func<Camera, (float[] Rgb, float[] Opacity)> render)
    {
        int pixels = Height * Width, k = Members.Count;
        var sqErr = new double[k];
        var inter = new long[k];
        var union = new long[k];
        for (int v = 0; v < Views.Count; v++)
        {
            var (rgb, opacity) = render(Views[v]);
            if (rgb.Length != pixels * 3 || opacity.Length != pixels)
                throw new ArgumentException($"render of view {v} gave {rgb.Length} rgb / {opacity.Length} opacity values, " +
                    $"expected {pixels * 3} / {pixels} ({Height}x{Width})");
            for (int m = 0; m < k; m++)
            {
                var member = MemberImages[v][m];
                double se = 0;
                for (int i = 0; i < rgb.Length; i++) { double e = Math.Clamp(rgb[i], 0f, 1f) - member.Rgb[i]; se += e * e; }
                sqErr[m] += se;
                var (both, either) = ImageMetrics.MaskCounts(opacity, member.Mask);
                inter[m] += both;
                union[m] += either;
            }
        }
        double count = (double)Views.Count * pixels * 3;
        var psnr = sqErr.Select(se => ImageMetrics.PsnrFromMse(se / count)).ToArray();
        int best = 0;
        for (int m = 1; m < k; m++) if (psnr[m] > psnr[best]) best = m;
        double iou = ImageMetrics.IouFromCounts(inter[best], union[best]);
        return new PriorEvaluationResult(best, Members[best].Name, psnr[best], iou, psnr);
    }

    /// <summary>
    /// Diversity across seeds: how many different members the results landed on, counting only results whose
    /// PSNR reaches minPsnr (so a failed run does not count as a distinct outcome).
    /// </summary>
    public static int DistinctMembers(IEnumerable<PriorEvaluationResult> results, double minPsnr = double.NegativeInfinity) =>
        results.Where(r => r.Psnr >= minPsnr).Select(r => r.NearestIndex).Distinct().Count();
}
