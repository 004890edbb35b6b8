using DreamTime.Evaluation;
using DreamTime.Rendering;
using DreamTime.Runtime;
using DreamTime.Scenes;
using TorchSharp;
using Xunit;

namespace DreamTime.Tests.Evaluation;

public class BuiltinPriorEvaluationTests
{
    static BuiltinPriorEvaluationTests() => TorchRuntime.ConfigureAllocator();

    private static readonly PriorLibrary Lib = new(6);
    private static readonly IReadOnlyList<Camera> Views = CameraSampler.EvaluationViews(new CameraRanges());

    [Fact]
    public void MemberAgainstItselfIsExact()
    {
        var members = Lib.FindFamily("robot")!.Members;
        var eval = new PriorEvaluation(members, Views, 20, 20);
        var renderer = new SdfRenderer { Supersample = PriorEvaluation.DefaultSupersample };
        var r = eval.Evaluate(cam => { var img = renderer.Render(members[3].Scene, cam, 20, 20); return (img.Rgb, img.Mask); });
        Assert.Equal(3, r.NearestIndex);
        Assert.Equal(members[3].Name, r.NearestName);
        Assert.Equal(ImageMetrics.PerfectMatchPsnr, r.Psnr);
        Assert.Equal(1.0, r.MaskIoU);
        Assert.All(r.PsnrPerMember.Where((_, i) => i != 3), p => Assert.True(p < 40, $"psnr {p}"));
    }

    [Fact]
    public void PsnrAndIoUMatchTheirDefinitions()
    {
        var members = Lib.FindFamily("lamp")!.Members.Take(3).ToList();
        var renderer = new SdfRenderer { Supersample = PriorEvaluation.DefaultSupersample };
        // a uniform grey box of rgb with the member-1 mask shifted by one column
        var r = PriorEvaluation.Evaluate(cam =>
        {
            var img = renderer.Render(members[1].Scene, cam, 16, 16);
            var rgb = img.Rgb.Select(v => Math.Clamp(v + 0.1f, 0f, 1f)).ToArray();
            var mask = new float[16 * 16];
            for (int i = 0; i < 16; i++) for (int j = 1; j < 16; j++) mask[i * 16 + j] = img.Mask[i * 16 + j - 1];
            return (rgb, mask);
        }, Views, members, 16, 16);
        Assert.Equal(1, r.NearestIndex);
        double se = 0, inter = 0, union = 0;
        foreach (var v in Views)
        {
            var img = renderer.Render(members[1].Scene, v, 16, 16);
            foreach (var x in img.Rgb) { double e = Math.Clamp(x + 0.1f, 0f, 1f) - x; se += e * e; }
            for (int i = 0; i < 16; i++)
                for (int j = 0; j < 16; j++)
                {
                    bool a = j > 0 && img.Mask[i * 16 + j - 1] > 0.5f, b = img.Mask[i * 16 + j] > 0.5f;
                    inter += a && b ? 1 : 0; union += a || b ? 1 : 0;
                }
        }
        Assert.Equal(10 * Math.Log10(Views.Count * 16 * 16 * 3 / se), r.Psnr, 6);
        Assert.Equal(inter / union, r.MaskIoU, 9);
        Assert.True(r.MaskIoU < 1);
    }

    [Fact]
    public void TensorRendersAreAccepted()
    {
        var members = Lib.FindFamily("mug")!.Members;
        var eval = new PriorEvaluation(members, Views.Take(2).ToList(), 12, 12);
        var renderer = new SdfRenderer { Supersample = PriorEvaluation.DefaultSupersample };
        var r = eval.Evaluate(cam =>
        {
            var img = renderer.Render(members[5].Scene, cam, 12, 12);
            return (torch.tensor(img.Rgb, new long[] { 12, 12, 3 }), torch.tensor(img.Mask, new long[] { 12, 12 }));
        });
        Assert.Equal(5, r.NearestIndex);
        Assert.Equal(ImageMetrics.PerfectMatchPsnr, r.Psnr);
    }

    [Fact]
    public void DistinctMembersCountsOnlyGoodResults()
    {
        var results = new[]
        {
            new PriorEvaluationResult(1, "a", 30, 0.9, Array.Empty<double>()),
            new PriorEvaluationResult(1, "a", 28, 0.9, Array.Empty<double>()),
            new PriorEvaluationResult(4, "b", 25, 0.8, Array.Empty<double>()),
            new PriorEvaluationResult(7, "c", 12, 0.3, Array.Empty<double>()),
        };
        Assert.Equal(3, PriorEvaluation.DistinctMembers(results));
        Assert.Equal(2, PriorEvaluation.DistinctMembers(results, minPsnr: 20));
        Assert.Equal(1, PriorEvaluation.DistinctMembers(results, minPsnr: 26));
    }
}
