using DreamTime.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Runtime;

/// <summary>The explicit-Scalar forms compute exactly what TorchSharp's operators and functions do.</summary>
public class ScalarArithmeticTests
{
    private static void Same(Tensor expected, Tensor actual) =>
        Assert.Equal(expected.data<float>().ToArray(), actual.data<float>().ToArray());

    private static Tensor Sample() => randn(new long[] { 64 }, generator: new Generator(7)) * 30;

    [Fact]
    public void SoftplusAndMishEqualTorchSharpsBitForBit()
    {
        using var scope = NewDisposeScope();
        var x = Sample();
        Same(nn.functional.softplus(x), x.Softplus());
        Same(nn.functional.mish(x), x.Mish());
    }

    [Fact]
    public void SumsAndProductsWithNumbersEqualTheOperators()
    {
        using var scope = NewDisposeScope();
        var a = Sample(); var b = Sample().flip(0);
        Same(a + b, a.Plus(b));
        Same(a * 0.37, a.Times(0.37));
        Same(a / 3.0, a.DividedBy(3.0));
        Same(a.square(), a.Squared());
    }
}
