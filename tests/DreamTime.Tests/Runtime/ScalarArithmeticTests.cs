using DreamTime.Runtime;
using Xunit;
using static TorchSharp.torch;

namespace DreamTime.Tests.Runtime;

/// <summary>
/// The explicit-Scalar forms compute exactly what TorchSharp's operators and functions do. The operators are the
/// reference here, so their implicit Scalars run inside a no-GC region, where no finalizer can free one mid-call
/// (the one class <c>ImplicitScalarTests</c> lets make them).
/// </summary>
public class ScalarArithmeticTests
{
    private static T WithoutCollections<T>(Func<T> operators)
    {
        Assert.True(GC.TryStartNoGCRegion(16 << 20));
        try { return operators(); }
        finally
        {
            if (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
    }

    private static void Same(Tensor expected, Tensor actual) =>
        Assert.Equal(expected.data<float>().ToArray(), actual.data<float>().ToArray());

    private static Tensor Sample() => randn(new long[] { 64 }, generator: new Generator(7)).Times(30.0);

    [Fact]
    public void SoftplusAndMishEqualTorchSharpsBitForBit()
    {
        using var scope = NewDisposeScope();
        var x = Sample();
        Same(WithoutCollections(() => nn.functional.softplus(x)), x.Softplus());
        Same(WithoutCollections(() => nn.functional.mish(x)), x.Mish());
    }

    [Fact]
    public void SumsAndProductsWithNumbersEqualTheOperators()
    {
        using var scope = NewDisposeScope();
        var a = Sample(); var b = Sample().flip(0);
        Same(WithoutCollections(() => a + b), a.Plus(b));
        Same(WithoutCollections(() => a * 0.37), a.Times(0.37));
        Same(WithoutCollections(() => a / 3.0), a.DividedBy(3.0));
        Same(WithoutCollections(a.square), a.Squared());
    }
}
