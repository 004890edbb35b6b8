using DreamTime.Models.Clip;
using DreamTime.Models.Unet;
using DreamTime.Models.Vae;
using DreamTime.Models.Zero123;
using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Zero123;

/// <summary>The tiny Zero-1-to-3 fixture pipeline, loaded once, its reference outputs, and float64 twins of its models.</summary>
public static class TinyZero123
{
    private static readonly Lazy<Zero123Pipeline> _pipeline = new(() =>
    {
        TorchRuntime.ConfigureAllocator();
        return Zero123Pipeline.Load(Fixtures.TinyZero123);
    });

    public static Zero123Pipeline Pipeline => _pipeline.Value;

    public static Tensor Ref(string key) => Fixtures.Zero123Outputs.Load(key);

    /// <summary>
    /// A float64 copy of a loaded model. The weights are fp16 values, exact in float64, so the copy computes the
    /// same function with rounding error ~1e-16: the yardstick for how far a float32 evaluation strays.
    /// </summary>
    private static T Float64Copy<T>(T source, Func<T> make) where T : nn.Module
    {
        var copy = make();
        using (no_grad())
        {
            var src = source.named_parameters().ToDictionary(x => x.name, x => x.parameter);
            foreach (var (name, p) in copy.named_parameters()) p.copy_(src[name]);
        }
        copy.eval();
        copy.to(ScalarType.Float64);
        return copy;
    }

    private static readonly Lazy<ClipVisionModelWithProjection> _encoder64 = new(() =>
        Float64Copy(Pipeline.ImageEncoder, () => new ClipVisionModelWithProjection(Pipeline.ImageEncoder.Config)));
    private static readonly Lazy<UNet2DConditionModel> _unet64 = new(() =>
        Float64Copy(Pipeline.Unet, () => new UNet2DConditionModel(Pipeline.Unet.Config)));
    private static readonly Lazy<AutoencoderKL> _vae64 = new(() => Float64Copy(Pipeline.Vae, () => new AutoencoderKL(Pipeline.Vae.Config)));
    private static readonly Lazy<CCProjection> _cc64 = new(() =>
        Float64Copy(Pipeline.CcProjection, () => new CCProjection(Pipeline.CcProjection.Config)));

    public static ClipVisionModelWithProjection Float64Encoder => _encoder64.Value;
    public static UNet2DConditionModel Float64Unet => _unet64.Value;
    public static AutoencoderKL Float64Vae => _vae64.Value;
    public static CCProjection Float64CcProjection => _cc64.Value;
}
