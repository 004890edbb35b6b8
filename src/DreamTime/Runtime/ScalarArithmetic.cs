using System.Reflection;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Runtime;

/// <summary>
/// Tensor arithmetic with a number, or the addition of two tensors, without an implicitly created Scalar: each does
/// what TorchSharp's operator does (the same kernel) with a Scalar that is kept alive until libtorch returns (see
/// <see cref="Scalars"/>). <c>long</c> overloads keep integer Scalars integral, as the operators on <c>int</c> do.
/// </summary>
public static class ScalarArithmetic
{
    /// <summary><c>a + b</c>.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, Scalars.One);

    /// <summary><c>t + value</c>.</summary>
    public static Tensor Plus(this Tensor t, double value)
    {
        using var s = value.ToScalar();
        return t.add(s, Scalars.One);
    }

    /// <summary><c>t + value</c>.</summary>
    public static Tensor Plus(this Tensor t, long value)
    {
        using var s = value.ToScalar();
        return t.add(s, Scalars.One);
    }

    /// <summary><c>t - value</c>.</summary>
    public static Tensor Minus(this Tensor t, double value)
    {
        using var s = value.ToScalar();
        return t.sub(s);
    }

    /// <summary><c>t - value</c>.</summary>
    public static Tensor Minus(this Tensor t, long value)
    {
        using var s = value.ToScalar();
        return t.sub(s);
    }

    /// <summary><c>value - t</c>, as TorchSharp computes it: <c>-t + value</c>.</summary>
    public static Tensor SubtractedFrom(this Tensor t, double value)
    {
        using var s = value.ToScalar();
        using var negative = t.negative();
        return negative.add(s, Scalars.One);
    }

    /// <summary><c>value - t</c>, as TorchSharp computes it: <c>-t + value</c>.</summary>
    public static Tensor SubtractedFrom(this Tensor t, long value)
    {
        using var s = value.ToScalar();
        using var negative = t.negative();
        return negative.add(s, Scalars.One);
    }

    /// <summary><c>t * value</c>.</summary>
    public static Tensor Times(this Tensor t, double value)
    {
        using var s = value.ToScalar();
        return t.mul(s);
    }

    /// <summary><c>t * value</c>.</summary>
    public static Tensor Times(this Tensor t, long value)
    {
        using var s = value.ToScalar();
        return t.mul(s);
    }

    /// <summary><c>t / value</c>.</summary>
    public static Tensor DividedBy(this Tensor t, double value)
    {
        using var s = value.ToScalar();
        return t.div(s);
    }

    /// <summary><c>t / value</c>.</summary>
    public static Tensor DividedBy(this Tensor t, long value)
    {
        using var s = value.ToScalar();
        return t.div(s);
    }

    /// <summary><c>value / t</c>, as TorchSharp computes it: <c>value * (1 / t)</c>.</summary>
    public static Tensor DividingInto(this Tensor t, double value)
    {
        using var s = value.ToScalar();
        using var reciprocal = t.reciprocal();
        return reciprocal.mul(s);
    }

    /// <summary><c>t * t</c> as <c>square()</c> computes it (<c>pow(2)</c>).</summary>
    public static Tensor Squared(this Tensor t) => t.pow(Scalars.Of(2));

    /// <summary><c>t.clamp(min, max)</c> with bounds computed at run time.</summary>
    public static Tensor ClampedTo(this Tensor t, double min, double max)
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        return t.clamp(lo, hi);
    }

    /// <summary><c>t.ToDouble()</c> (which reads a Scalar that nothing keeps alive).</summary>
    public static double ReadDouble(this Tensor t)
    {
        using var s = t.ToScalar();
        return s.ToDouble();
    }

    /// <summary><c>torch.arange(stop, dtype, device)</c>: 0, 1, ..., stop - 1.</summary>
    public static Tensor Arange(long stop, ScalarType? dtype = null, Device? device = null)
    {
        using var end = stop.ToScalar();
        return torch.arange(Scalars.Of(0), end, Scalars.One, dtype, device);
    }

    // An internal name of TorchSharp 0.107: a TorchSharp without it fails here, at first use, naming what is missing.
    private static readonly Func<Tensor, Scalar, Scalar, Tensor> SoftplusWithScalars =
        (typeof(Tensor).GetMethod("softplus1", BindingFlags.NonPublic | BindingFlags.Instance, [typeof(Scalar), typeof(Scalar)])
         ?? throw new InvalidOperationException(
             "TorchSharp's Tensor.softplus1(Scalar, Scalar) is missing: this build expects TorchSharp 0.107"))
            .CreateDelegate<Func<Tensor, Scalar, Scalar, Tensor>>();

    /// <summary>
    /// <c>nn.functional.softplus(t)</c> (beta 1, threshold 20). TorchSharp's public softplus makes both Scalars
    /// implicitly, so this calls the private method behind it with Scalars kept alive: the same native call.
    /// </summary>
    public static Tensor Softplus(this Tensor t) => SoftplusWithScalars(t, Scalars.Of(1.0), Scalars.Of(20.0));

    /// <summary><c>nn.functional.mish(t)</c>: <c>t * tanh(softplus(t))</c>, as TorchSharp computes it.</summary>
    public static Tensor Mish(this Tensor t)
    {
        using var softplus = t.Softplus();
        using var tanh = softplus.tanh();
        return t.mul(tanh);
    }
}
