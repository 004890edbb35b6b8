using System.Collections.Concurrent;
using TorchSharp;

namespace DreamTime.Runtime;

/// <summary>
/// Scalars for libtorch that stay alive. TorchSharp 0.107 passes a Scalar's native handle to libtorch without keeping
/// the managed object alive, so an implicitly created Scalar (the alpha of <c>a + b</c>, the 2.0 of <c>x * 2.0</c>) can
/// be finalized by a garbage collection while libtorch reads it. Constants live here in static fields, which root them
/// for the life of the process; values computed at run time go through <see cref="ScalarArithmetic"/> or a
/// <c>using var s = value.ToScalar();</c>. <c>Architecture/ImplicitScalarTests</c> holds the library to this.
/// </summary>
public static class Scalars
{
    private static readonly ConcurrentDictionary<long, Scalar> Integers = new();
    private static readonly ConcurrentDictionary<double, Scalar> Reals = new();

    /// <summary>The integer 1: the alpha of an addition, as TorchSharp's <c>add(Tensor)</c> passes it.</summary>
    public static readonly Scalar One = Of(1);

    /// <summary>The integer Scalar of a constant (a literal or a setting: the cache keeps every value it is given).</summary>
    public static Scalar Of(long value) => Integers.GetOrAdd(value, v => v.ToScalar());

    /// <summary>The floating-point Scalar of a constant (a literal or a setting: the cache keeps every value given).</summary>
    public static Scalar Of(double value) => Reals.GetOrAdd(value, v => v.ToScalar());
}
