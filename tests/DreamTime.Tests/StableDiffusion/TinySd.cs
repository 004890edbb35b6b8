using DreamTime.Models.Diffusers;
using DreamTime.Runtime;
using static TorchSharp.torch;

namespace DreamTime.Tests.StableDiffusion;

/// <summary>The tiny SD 1.5 fixture pipeline, loaded once for all Stable Diffusion tests, and comparison helpers.</summary>
public static class TinySd
{
    private static readonly Lazy<StableDiffusionPipeline> _pipeline = new(() =>
    {
        TorchRuntime.ConfigureAllocator();
        return StableDiffusionPipeline.Load(Fixtures.TinySd15);
    });

    public static StableDiffusionPipeline Pipeline => _pipeline.Value;

    public static Tensor Ref(string key) => Fixtures.Sd15Outputs.Load(key);

    public static double MaxAbsDiff(Tensor a, Tensor b) =>
        (a.detach().cpu().to(ScalarType.Float64) - b.detach().cpu().to(ScalarType.Float64)).abs().max().item<double>();

    public static void AssertClose(Tensor expected, Tensor actual, double tol, string what)
    {
        Xunit.Assert.Equal(expected.shape, actual.shape);
        double d = MaxAbsDiff(expected, actual);
        Xunit.Assert.True(d <= tol, $"{what}: max |diff| = {d:E3} > {tol:E1}");
    }

    public static long[][] FixtureIds()
    {
        using var ids = Ref("clip_input_ids");
        var flat = ids.data<long>().ToArray();
        int n = (int)ids.shape[1];
        return Enumerable.Range(0, (int)ids.shape[0]).Select(r => flat.Skip(r * n).Take(n).ToArray()).ToArray();
    }
}
