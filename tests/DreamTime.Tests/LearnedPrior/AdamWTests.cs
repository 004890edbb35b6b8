using DreamTime.Optimization;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.LearnedPrior;

public class AdamWTests
{
    [Fact]
    public void DecoupledWeightDecayMatchesTheClosedForm()
    {
        // with a constant gradient g the bias-corrected moments are g and g^2 at every step, so AdamW's step is
        // p <- p (1 - lr wd) - lr g / (|g| + eps)
        var p = new TorchSharp.Modules.Parameter(torch.tensor(new[] { 2.0 }, dtype: ScalarType.Float64));
        double lr = 0.1, wd = 0.5, g = 3, eps = 1e-8, scale = 0.5;
        var opt = new AdamOptimizer(new[]
        {
            new AdamOptimizer.Group("g", new[] { ("p", p) }, lr, new OptimizerSettings(0.9, 0.999, eps, wd)),
        })
        {
            LearningRateScale = scale
        };
        double expected = 2;
        for (int i = 0; i < 3; i++)
        {
            p.grad = torch.tensor(new[] { g }, dtype: ScalarType.Float64);
            opt.Step();
            double l = lr * scale;
            expected = expected * (1 - l * wd) - l * g / (g + eps);
            Assert.Equal(expected, p.item<double>(), 12);
        }
        // without decay the same steps must differ: the test sees the decay term
        Assert.NotEqual(2 - 3 * lr * scale * g / (g + eps), p.item<double>(), 6);
    }

    [Fact]
    public void EachGroupStepsWithItsOwnConstants()
    {
        // a NeRF-like group (Adam, eps 1e-15) and a LoRA-like group (AdamW) in one optimizer; with a constant gradient
        // each follows its own closed form
        var a = new TorchSharp.Modules.Parameter(torch.tensor(new[] { 1.0 }, dtype: ScalarType.Float64));
        var b = new TorchSharp.Modules.Parameter(torch.tensor(new[] { 1.0 }, dtype: ScalarType.Float64));
        var opt = AdamOptimizer.For(new[]
        {
            new ParameterGroup("nerf", new[] { a }, 0.01),
            new ParameterGroup("lora", new[] { b }, 1e-4, OptimizerSettings.AdamW),
        });
        double ea = 1, eb = 1, g = 2;
        for (int i = 0; i < 3; i++)
        {
            a.grad = torch.tensor(new[] { g }, dtype: ScalarType.Float64);
            b.grad = torch.tensor(new[] { g }, dtype: ScalarType.Float64);
            opt.Step();
            ea -= 0.01 * g / (g + 1e-15);
            eb = eb * (1 - 1e-4 * 0.01) - 1e-4 * g / (g + 1e-8);
            Assert.Equal(ea, a.item<double>(), 12);
            Assert.Equal(eb, b.item<double>(), 12);
        }
    }
}
