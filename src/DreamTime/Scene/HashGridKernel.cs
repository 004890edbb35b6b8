using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Scene;

/// <summary>
/// The hash-grid encoding as two loops over raw CPU memory. Built from tensor ops the encoding materialises
/// [N, L, 8] indices, weights and gathered rows and scatters them back in the backward pass, which made it
/// the bulk of a training step; here each point/level/corner is visited once, with nothing materialised.
///
/// Output channel 0 holds the features; with the Jacobian, channels 1..3 hold d features / d u_x,y,z
/// (u = normalised position). Both are linear in the table, so the backward pass w.r.t. the table is one
/// scatter of (w * g0 + dw/dx * g1 + dw/dy * g2 + dw/dz * g3) per corner. Levels are independent rows of the
/// table, so threads split the work by level and never write the same row.
/// </summary>
internal static unsafe class HashGridKernel
{
    /// <summary>Features (and optionally their Jacobian) of points u [N,3] in [0,1]: [N, 1 or 4, L*F].</summary>
    public static Tensor Forward(HashGridLayout g, Tensor table, Tensor positions, bool jacobian)
    {
        long n = positions.shape[0];
        int channels = jacobian ? 4 : 1;
        var pos = positions.contiguous();
        var tab = table.contiguous();
        var output = torch.empty(new long[] { n, channels, g.OutputDim }, table.dtype);
        nint pt = Pointer(tab), pp = Pointer(pos), po = Pointer(output);
        if (table.dtype == ScalarType.Float32)
            ForEachLevel(g, l => Forward<float>(g, l, (float*)pt, (float*)pp, n, (float*)po, channels));
        else
            ForEachLevel(g, l => Forward<double>(g, l, (double*)pt, (double*)pp, n, (double*)po, channels));
        GC.KeepAlive(pos); GC.KeepAlive(tab);
        return output;
    }

    /// <summary>Gradient of the table [rows, F] given the gradient of <see cref="Forward"/>'s output.</summary>
    public static Tensor Backward(HashGridLayout g, Tensor positions, Tensor gradOutput, ScalarType dtype)
    {
        long n = positions.shape[0];
        int channels = (int)gradOutput.shape[1];
        var pos = positions.contiguous();
        var grad = gradOutput.to(dtype).contiguous();
        var gradTable = torch.zeros(new long[] { g.TotalRows, g.Features }, dtype);
        nint pp = Pointer(pos), pg = Pointer(grad), pt = Pointer(gradTable);
        if (dtype == ScalarType.Float32)
            ForEachLevel(g, l => Backward<float>(g, l, (float*)pp, n, (float*)pg, channels, (float*)pt));
        else
            ForEachLevel(g, l => Backward<double>(g, l, (double*)pp, n, (double*)pg, channels, (double*)pt));
        GC.KeepAlive(pos); GC.KeepAlive(grad);
        return gradTable;
    }

    public static bool Supports(Tensor table, Tensor positions) =>
        table.device_type == DeviceType.CPU && positions.device_type == DeviceType.CPU &&
        table.dtype is ScalarType.Float32 or ScalarType.Float64 && positions.dtype == table.dtype;

    private static nint Pointer(Tensor t)
    {
        // The span covers native memory the GC never moves, so the address stays valid after `fixed`.
        fixed (byte* p = t.bytes) return (nint)p;
    }

    private static void ForEachLevel(HashGridLayout g, Action<int> body)
    {
        int threads = Math.Max(1, Math.Min(Environment.ProcessorCount, torch.get_num_threads()));
        if (threads == 1) { for (int l = 0; l < g.Levels; l++) body(l); return; }
        Parallel.For(0, g.Levels, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    /// <summary>One point's cell at level l: lower corner, fractions, and the level's scale.</summary>
    private struct Cell<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public int X, Y, Z;
        public T Fx, Fy, Fz;

        public static Cell<T> Of(T* p, int res, T scale)
        {
            var c = new Cell<T>();
            Axis(p[0], res, scale, out c.X, out c.Fx);
            Axis(p[1], res, scale, out c.Y, out c.Fy);
            Axis(p[2], res, scale, out c.Z, out c.Fz);
            return c;
        }

        private static void Axis(T u, int res, T scale, out int i, out T f)
        {
            T s = T.Clamp(u, T.Zero, T.One) * scale;
            i = Math.Min(int.CreateTruncating(s), res - 1);
            f = s - T.CreateTruncating(i);
        }
    }

    private static long Row(HashGridLayout g, int l, int x, int y, int z, long stride, uint mask) =>
        g.Dense[l] ? x + stride * (y + stride * (long)z) : ((uint)x ^ ((uint)y * HashGridLayout.PrimeY) ^ ((uint)z * HashGridLayout.PrimeZ)) & mask;

    private static void Forward<T>(HashGridLayout g, int l, T* table, T* pos, long n, T* output, int channels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int F = g.Features, D = g.OutputDim, res = g.Resolution[l];
        long stride = res + 1;
        uint mask = (uint)(g.TableSize - 1);
        T scale = T.CreateTruncating(res);
        T* level = table + g.Offset[l] * F;
        T* acc = stackalloc T[4 * F];
        for (long i = 0; i < n; i++)
        {
            var c = Cell<T>.Of(pos + 3 * i, res, scale);
            for (int k = 0; k < channels * F; k++) acc[k] = T.Zero;
            for (int corner = 0; corner < 8; corner++)
            {
                int bx = corner & 1, by = (corner >> 1) & 1, bz = corner >> 2;
                T wx = bx != 0 ? c.Fx : T.One - c.Fx, wy = by != 0 ? c.Fy : T.One - c.Fy, wz = bz != 0 ? c.Fz : T.One - c.Fz;
                T* v = level + Row(g, l, c.X + bx, c.Y + by, c.Z + bz, stride, mask) * F;
                T w = wx * wy * wz;
                for (int f = 0; f < F; f++) acc[f] += w * v[f];
                if (channels == 1) continue;
                // d(wx wy wz)/du_x = (+-1 * res) wy wz, and likewise for y and z
                T dx = (bx != 0 ? scale : -scale) * wy * wz, dy = wx * (by != 0 ? scale : -scale) * wz, dz = wx * wy * (bz != 0 ? scale : -scale);
                for (int f = 0; f < F; f++)
                {
                    acc[F + f] += dx * v[f];
                    acc[2 * F + f] += dy * v[f];
                    acc[3 * F + f] += dz * v[f];
                }
            }
            T* o = output + i * channels * D + l * F;
            for (int ch = 0; ch < channels; ch++)
            for (int f = 0; f < F; f++) o[ch * D + f] = acc[ch * F + f];
        }
    }

    private static void Backward<T>(HashGridLayout g, int l, T* pos, long n, T* grad, int channels, T* gradTable)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int F = g.Features, D = g.OutputDim, res = g.Resolution[l];
        long stride = res + 1;
        uint mask = (uint)(g.TableSize - 1);
        T scale = T.CreateTruncating(res);
        T* level = gradTable + g.Offset[l] * F;
        for (long i = 0; i < n; i++)
        {
            var c = Cell<T>.Of(pos + 3 * i, res, scale);
            T* gi = grad + i * channels * D + l * F;
            for (int corner = 0; corner < 8; corner++)
            {
                int bx = corner & 1, by = (corner >> 1) & 1, bz = corner >> 2;
                T wx = bx != 0 ? c.Fx : T.One - c.Fx, wy = by != 0 ? c.Fy : T.One - c.Fy, wz = bz != 0 ? c.Fz : T.One - c.Fz;
                T* v = level + Row(g, l, c.X + bx, c.Y + by, c.Z + bz, stride, mask) * F;
                T w = wx * wy * wz;
                if (channels == 1)
                {
                    for (int f = 0; f < F; f++) v[f] += w * gi[f];
                    continue;
                }
                T dx = (bx != 0 ? scale : -scale) * wy * wz, dy = wx * (by != 0 ? scale : -scale) * wz, dz = wx * wy * (bz != 0 ? scale : -scale);
                for (int f = 0; f < F; f++)
                    v[f] += w * gi[f] + dx * gi[D + f] + dy * gi[2 * D + f] + dz * gi[3 * D + f];
            }
        }
    }
}

/// <summary>Autograd node for <see cref="HashGridKernel"/>: inputs (table, positions, layout, jacobian flag).</summary>
internal sealed class HashGridFunction : autograd.SingleTensorFunction<HashGridFunction>
{
    public override string Name => "HashGridEncoding";

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var table = (Tensor)vars[0];
        var positions = (Tensor)vars[1];
        var layout = (HashGridLayout)vars[2];
        bool jacobian = (bool)vars[3];
        ctx.save_for_backward([positions]);
        ctx.save_data("layout", layout);
        ctx.save_data("dtype", table.dtype);
        return HashGridKernel.Forward(layout, table, positions, jacobian);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var saved = ctx.get_saved_variables();
        var layout = (HashGridLayout)ctx.get_data("layout");
        var dtype = (ScalarType)ctx.get_data("dtype");
        var gradTable = HashGridKernel.Backward(layout, saved[0], gradOutput, dtype);
        foreach (var s in saved) s.Dispose();
        // Positions are treated as constants (they come from rays); the Jacobian channels give d/du when needed.
        return [gradTable, null!, null!, null!];
    }
}
