using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace DreamTime.Runtime;

/// <summary>A tensor's elements copied into a .NET array in one block (the accessor's ToArray copies element by element,
/// about three times slower on the rasteriser's 300,000 face indices per render).</summary>
public static class TensorData
{
    /// <summary>The elements of <paramref name="tensor"/> converted to <paramref name="dtype"/>, row-major, on the CPU.</summary>
    public static T[] ToArray<T>(Tensor tensor, ScalarType dtype) where T : unmanaged
    {
        using var scope = NewDisposeScope();
        var cpu = tensor.detach().to(dtype).cpu().contiguous();
        if (cpu.element_size() != Marshal.SizeOf<T>())
            throw new ArgumentException($"{dtype} elements are {cpu.element_size()} bytes, {typeof(T).Name} is {Marshal.SizeOf<T>()}");
        return cpu.numel() == 0 ? [] : MemoryMarshal.Cast<byte, T>(cpu.bytes).ToArray();
    }
}
