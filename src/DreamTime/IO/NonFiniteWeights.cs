using System.Numerics;
using System.Runtime.InteropServices;

namespace DreamTime.IO;

/// <summary>
/// The check that every floating-point tensor read from a safetensors file is finite, so a NaN or an infinity in a
/// checkpoint is reported where it enters (naming the file and the tensor) instead of as a diverged run or a black
/// image much later. Setting the environment variable <see cref="EnvironmentVariable"/> to 1 turns it off, to look
/// at a broken checkpoint.
/// </summary>
public static class NonFiniteWeights
{
    public const string EnvironmentVariable = "DREAMTIME_ALLOW_NON_FINITE_WEIGHTS";

    private static readonly AsyncLocal<bool?> ScopedAllow = new();

    /// <summary>Whether non-finite weights load: the scope set by <see cref="Allow"/>, else the environment variable.</summary>
    public static bool Allowed => ScopedAllow.Value ?? Environment.GetEnvironmentVariable(EnvironmentVariable) is "1" or "true" or "yes";

    /// <summary>Allows (or refuses) non-finite weights in this flow of execution until disposed.</summary>
    public static IDisposable Allow(bool allow = true)
    {
        var previous = ScopedAllow.Value;
        ScopedAllow.Value = allow;
        return new Restore(() => ScopedAllow.Value = previous);
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    /// <summary>The index of the first NaN or infinite element of little-endian data in a
    /// safetensors dtype; -1 when all are finite (or the dtype is not floating-point).</summary>
    public static long FirstNonFinite(ReadOnlySpan<byte> data, string dtype) => dtype switch
    {
        "F32" => First(MemoryMarshal.Cast<byte, uint>(data), 0x7F80_0000u),
        "F64" => First(MemoryMarshal.Cast<byte, ulong>(data), 0x7FF0_0000_0000_0000ul),
        "F16" => First(MemoryMarshal.Cast<byte, ushort>(data), (ushort)0x7C00),
        "BF16" => First(MemoryMarshal.Cast<byte, ushort>(data), (ushort)0x7F80),
        _ => -1,
    };

    /// <summary>An IEEE value is NaN or infinite exactly when all its exponent bits are set.</summary>
    private static long First<T>(ReadOnlySpan<T> bits, T exponent) where T : unmanaged, IBinaryInteger<T>
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian");
        int i = 0;
        if (Vector.IsHardwareAccelerated && bits.Length >= Vector<T>.Count)
        {
            var mask = new Vector<T>(exponent);
            var vectors = MemoryMarshal.Cast<T, Vector<T>>(bits);
            for (int v = 0; v < vectors.Length; v++)
                if (Vector.EqualsAny(vectors[v] & mask, mask)) { i = v * Vector<T>.Count; goto scalar; }
            i = vectors.Length * Vector<T>.Count;
        }
    scalar:
        for (; i < bits.Length; i++)
            if ((bits[i] & exponent) == exponent) return i;
        return -1;
    }
}
