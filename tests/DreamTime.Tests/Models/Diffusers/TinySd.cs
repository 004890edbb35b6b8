using DreamTime.Models.Diffusers;
using DreamTime.Models.Unet;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Diffusers;

/// <summary>The tiny SD 1.5 fixture pipeline, loaded once for all Stable Diffusion tests, and comparison helpers.</summary>
public static class TinySd
{
    private static readonly Lazy<StableDiffusionPipeline> _pipeline = new(() =>
    {
        TorchRuntime.ConfigureAllocator();
        return StableDiffusionPipeline.Load(Fixtures.TinySd15);
    });

    public static StableDiffusionPipeline Pipeline => _pipeline.Value;

    private static readonly Lazy<UNet2DConditionModel> _unet64 = new(() =>
    {
        var unet = new UNet2DConditionModel(Pipeline.Unet.Config);
        using (no_grad())
        {
            var src = Pipeline.Unet.named_parameters().ToDictionary(x => x.name, x => x.parameter);
            foreach (var (name, p) in unet.named_parameters()) p.copy_(src[name]);
        }
        unet.eval();
        unet.to(ScalarType.Float64);
        return unet;
    });

    /// <summary>
    /// The fixture's UNet in float64. Its weights are fp16 values, exact in float64, so this computes the same
    /// function with rounding error ~1e-16: a yardstick for how far a float32 evaluation strays on this machine's
    /// math library, independent of which SIMD or BLAS path that library takes.
    /// </summary>
    public static UNet2DConditionModel Float64Unet => _unet64.Value;

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
