using DreamTime.LearnedPrior;
using DreamTime.Models.Unet;
using DreamTime.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Models.Unet;

/// <summary>
/// The learned prior's UNet trains on the CPU: its gradients must be finite and right on every x86-64 CPU. On AMD
/// Zen 5, oneDNN's convolution backward returned NaN input gradients for the narrow output conv (32 -> 3 channels)
/// in about one batch in twenty, so these batches are many and the reference is the same model in float64, which
/// takes another code path.
/// </summary>
public class UnetGradientTests
{
    [Fact]
    public void GradientsMatchAFloat64CopyOnEveryBatch()
    {
        using var scope = NewDisposeScope();
        var config = new LearnedPriorConfig().UnetConfig();
        using var unet = new UNet2DConditionModel(config);
        using var reference = new UNet2DConditionModel(config);
        using (var g = Seeds.Generator(3, 0, 0)) LearnedPriorTrainer.InitialiseWeights(unet, g);
        using (no_grad())
            foreach (var ((_, p), (_, q)) in unet.named_parameters().Zip(reference.named_parameters())) q.copy_(p);
        reference.to(ScalarType.Float64);
        var t = tensor(new long[] { 5, 250, 500, 999 });
        for (int batch = 0; batch < 8; batch++)
        {
            using var inner = NewDisposeScope();
            using var gen = Seeds.Generator(batch, 1, 2);
            var x = randn(new long[] { 4, 3, 32, 32 }, generator: gen);
            var context = randn(new long[] { 4, 16, 128 }, generator: gen);
            var weight = randn(new long[] { 4, 3, 32, 32 }, generator: gen);
            var (gx, gw) = Gradients(unet, x, t, context, weight);
            var (rx, rw) = Gradients(reference, x.to(ScalarType.Float64), t, context.to(ScalarType.Float64), weight.to(ScalarType.Float64));
            Assert.True(isfinite(gx).all().item<bool>(), $"batch {batch}: non-finite input gradient");
            Assert.True(isfinite(gw).all().item<bool>(), $"batch {batch}: non-finite conv_in weight gradient");
            // float32 against float64 through ~20 layers: relative error of order 1e-5 expected; 1e-3 allows for kernel rounding
            Assert.True(RelativeError(gx, rx) < 1e-3, $"batch {batch}: input gradient off by {RelativeError(gx, rx):G3}");
            Assert.True(RelativeError(gw, rw) < 1e-3, $"batch {batch}: conv_in gradient off by {RelativeError(gw, rw):G3}");
        }
    }

    private static (Tensor Input, Tensor ConvIn) Gradients(UNet2DConditionModel unet, Tensor x, Tensor t, Tensor context, Tensor weight)
    {
        unet.zero_grad();
        var input = x.clone().requires_grad_();
        (unet.Forward(input, t, context) * weight).sum().backward();
        var convIn = unet.named_parameters().First(p => p.name == "conv_in.weight").parameter.grad!;
        return (input.grad!.to(ScalarType.Float64), convIn.to(ScalarType.Float64));
    }

    private static double RelativeError(Tensor a, Tensor b) => ((a - b).norm() / b.norm()).item<double>();
}
