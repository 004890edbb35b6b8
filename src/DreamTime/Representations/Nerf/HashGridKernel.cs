using System.Numerics;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Representations.Nerf;

/// <summary>
/// The hash-grid encoding as two loops over raw CPU memory (two features per level). Built from tensor ops
/// the encoding materialises [N, L, 8] indices, weights and gathered rows and scatters them back in the
/// backward pass, which made it the bulk of a training step; here each point/level/corner is visited once,
/// with nothing materialised, and the backward pass recomputes the corners from the positions.
///
/// Besides the features [N, L*2] it can give their Jacobian d features / d u [N, 3, L*2] (u = normalised
/// position). Both are linear in the table, so the table's gradient is one scatter per corner of
/// w * g_feature + dw/dx * g_jx + dw/dy * g_jy + dw/dz * g_jz. Levels own disjoint rows of the table, so
/// threads split the work by level and never write the same row.
/// </summary>
internal static unsafe class HashGridKernel
{
    public static bool Supports(HashGridLayout g, Tensor table, Tensor positions) =>
        g.Features == 2 && table.device_type == DeviceType.CPU && positions.device_type == DeviceType.CPU &&
        table.dtype is ScalarType.Float32 or ScalarType.Float64 && positions.dtype == table.dtype;

    /// <summary>Features [N, L*2] and, when asked, the Jacobian [N, 3, L*2] of points u [N,3] in [0,1].</summary>
    public static (Tensor Features, Tensor? Jacobian) Forward(HashGridLayout g, Tensor table, Tensor positions, bool jacobian)
    {
        long n = positions.shape[0];
        var pos = positions.contiguous();
        var tab = table.contiguous();
        var features = torch.empty(new long[] { n, g.OutputDim }, table.dtype);
        var jac = jacobian ? torch.empty(new long[] { n, 3, g.OutputDim }, table.dtype) : null;
        nint pt = Pointer(tab), pp = Pointer(pos), pf = Pointer(features), pj = jac is null ? 0 : Pointer(jac);
        if (table.dtype == ScalarType.Float32)
            ForEachLevel(g, l => Forward<float>(g, l, (float*)pt, (float*)pp, n, (float*)pf, (float*)pj));
        else
            ForEachLevel(g, l => Forward<double>(g, l, (double*)pt, (double*)pp, n, (double*)pf, (double*)pj));
        GC.KeepAlive(pos); GC.KeepAlive(tab);
        return (features, jac);
    }

    /// <summary>Gradient of the table [rows, 2] from the gradients of the features and (optionally) the Jacobian.</summary>
    public static Tensor Backward(HashGridLayout g, Tensor positions, Tensor gradFeatures, Tensor? gradJacobian, ScalarType dtype)
    {
        long n = positions.shape[0];
        var pos = positions.contiguous();
        var gf = gradFeatures.to(dtype).contiguous();
        var gj = gradJacobian?.to(dtype).contiguous();
        var gradTable = torch.zeros(new long[] { g.TotalRows, g.Features }, dtype);
        nint pp = Pointer(pos), pgf = Pointer(gf), pgj = gj is null ? 0 : Pointer(gj), pt = Pointer(gradTable);
        if (dtype == ScalarType.Float32)
            ForEachLevel(g, l => Backward<float>(g, l, (float*)pp, n, (float*)pgf, (float*)pgj, (float*)pt));
        else
            ForEachLevel(g, l => Backward<double>(g, l, (double*)pp, n, (double*)pgf, (double*)pgj, (double*)pt));
        GC.KeepAlive(pos); GC.KeepAlive(gf); GC.KeepAlive(gj);
        return gradTable;
    }

    private static nint Pointer(Tensor t)
    {
        // The span covers native memory the GC never moves, so the address stays valid after `fixed`.
        fixed (byte* p = t.bytes) return (nint)p;
    }

    private static void ForEachLevel(HashGridLayout g, Action<int> body)
    {
        int threads = Math.Clamp(HashGridEncoding.KernelThreads, 1, g.Levels);
        if (threads == 1) { for (int l = 0; l < g.Levels; l++) body(l); return; }
        Parallel.For(0, g.Levels, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    /// <summary>
    /// The 8 vertices of one point's cell at one level: their rows in the level's table and their trilinear
    /// weights (and, for the Jacobian, the weights' derivatives along u_x, u_y, u_z). Written out corner by
    /// corner: a loop with per-corner selects ran three times slower.
    /// Corner k has offsets (k &amp; 1, (k &gt;&gt; 1) &amp; 1, k &gt;&gt; 2); dense rows are x + y*stride + z*stride^2,
    /// hashed rows (x ^ y*PrimeY ^ z*PrimeZ) &amp; mask.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Corners<T>(T* p, int res, T scale, bool dense, uint stride, uint mask, uint* rows, T* w, T* dx, T* dy, T* dz)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T one = T.One;
        T sx = T.Clamp(p[0], T.Zero, one) * scale, sy = T.Clamp(p[1], T.Zero, one) * scale, sz = T.Clamp(p[2], T.Zero, one) * scale;
        int x = Math.Min(int.CreateTruncating(sx), res - 1), y = Math.Min(int.CreateTruncating(sy), res - 1),
            z = Math.Min(int.CreateTruncating(sz), res - 1);
        T fx = sx - T.CreateTruncating(x), fy = sy - T.CreateTruncating(y), fz = sz - T.CreateTruncating(z);
        T gx = one - fx, gy = one - fy, gz = one - fz;
        uint my = dense ? stride : HashGridLayout.PrimeY, mz = dense ? stride * stride : HashGridLayout.PrimeZ;
        uint x0 = (uint)x, x1 = x0 + 1, y0 = (uint)y * my, y1 = y0 + my, z0 = (uint)z * mz, z1 = z0 + mz;
        if (dense)
        {
            rows[0] = x0 + y0 + z0; rows[1] = x1 + y0 + z0; rows[2] = x0 + y1 + z0; rows[3] = x1 + y1 + z0;
            rows[4] = x0 + y0 + z1; rows[5] = x1 + y0 + z1; rows[6] = x0 + y1 + z1; rows[7] = x1 + y1 + z1;
        }
        else
        {
            rows[0] = (x0 ^ y0 ^ z0) & mask;
            rows[1] = (x1 ^ y0 ^ z0) & mask;
            rows[2] = (x0 ^ y1 ^ z0) & mask;
            rows[3] = (x1 ^ y1 ^ z0) & mask;
            rows[4] = (x0 ^ y0 ^ z1) & mask;
            rows[5] = (x1 ^ y0 ^ z1) & mask;
            rows[6] = (x0 ^ y1 ^ z1) & mask;
            rows[7] = (x1 ^ y1 ^ z1) & mask;
        }
        T yz00 = gy * gz, yz10 = fy * gz, yz01 = gy * fz, yz11 = fy * fz;
        w[0] = gx * yz00; w[1] = fx * yz00; w[2] = gx * yz10; w[3] = fx * yz10;
        w[4] = gx * yz01; w[5] = fx * yz01; w[6] = gx * yz11; w[7] = fx * yz11;
        if (dx == null) return;
        // d/du_x of gx is -res and of fx is +res; likewise for y and z.
        T a00 = scale * yz00, a10 = scale * yz10, a01 = scale * yz01, a11 = scale * yz11;
        dx[0] = -a00; dx[1] = a00; dx[2] = -a10; dx[3] = a10; dx[4] = -a01; dx[5] = a01; dx[6] = -a11; dx[7] = a11;
        T b0 = scale * gx * gz, b1 = scale * fx * gz, b2 = scale * gx * fz, b3 = scale * fx * fz;
        dy[0] = -b0; dy[1] = -b1; dy[2] = b0; dy[3] = b1; dy[4] = -b2; dy[5] = -b3; dy[6] = b2; dy[7] = b3;
        T c0 = scale * gx * gy, c1 = scale * fx * gy, c2 = scale * gx * fy, c3 = scale * fx * fy;
        dz[0] = -c0; dz[1] = -c1; dz[2] = -c2; dz[3] = -c3; dz[4] = c0; dz[5] = c1; dz[6] = c2; dz[7] = c3;
    }

    // Called once per level per step: without AggressiveOptimization these loops would run as tier-0 code with no inlining.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward<T>(HashGridLayout g, int l, T* table, T* pos, long n, T* features, T* jac)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int D = g.OutputDim, res = g.Resolution[l];
        bool dense = g.Dense[l], withJac = jac != null;
        uint mask = (uint)(g.TableSize - 1), stride = (uint)(res + 1);
        T scale = T.CreateTruncating(res);
        T* level = table + g.Offset[l] * 2;
        uint* rows = stackalloc uint[8];
        T* w = stackalloc T[8];
        T* dx = stackalloc T[8];
        T* dy = stackalloc T[8];
        T* dz = stackalloc T[8];
        for (long i = 0; i < n; i++)
        {
            Corners(pos + 3 * i, res, scale, dense, stride, mask, rows, w, withJac ? dx : null, dy, dz);
            T f0 = T.Zero, f1 = T.Zero;
            for (int k = 0; k < 8; k++)
            {
                T* v = level + 2 * rows[k];
                f0 += w[k] * v[0]; f1 += w[k] * v[1];
            }
            T* o = features + i * D + 2 * l;
            o[0] = f0; o[1] = f1;
            if (!withJac) continue;
            T x0 = T.Zero, x1 = T.Zero, y0 = T.Zero, y1 = T.Zero, z0 = T.Zero, z1 = T.Zero;
            for (int k = 0; k < 8; k++)
            {
                T* v = level + 2 * rows[k];
                T v0 = v[0], v1 = v[1];
                x0 += dx[k] * v0; x1 += dx[k] * v1;
                y0 += dy[k] * v0; y1 += dy[k] * v1;
                z0 += dz[k] * v0; z1 += dz[k] * v1;
            }
            T* j = jac + i * 3 * D + 2 * l;
            j[0] = x0; j[1] = x1; j[D] = y0; j[D + 1] = y1; j[2 * D] = z0; j[2 * D + 1] = z1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward<T>(HashGridLayout g, int l, T* pos, long n, T* gradFeatures, T* gradJac, T* gradTable)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int D = g.OutputDim, res = g.Resolution[l];
        bool dense = g.Dense[l], withJac = gradJac != null;
        uint mask = (uint)(g.TableSize - 1), stride = (uint)(res + 1);
        T scale = T.CreateTruncating(res);
        T* level = gradTable + g.Offset[l] * 2;
        uint* rows = stackalloc uint[8];
        T* w = stackalloc T[8];
        T* dx = stackalloc T[8];
        T* dy = stackalloc T[8];
        T* dz = stackalloc T[8];
        for (long i = 0; i < n; i++)
        {
            Corners(pos + 3 * i, res, scale, dense, stride, mask, rows, w, withJac ? dx : null, dy, dz);
            T* gf = gradFeatures + i * D + 2 * l;
            T g0 = gf[0], g1 = gf[1];
            if (!withJac)
            {
                for (int k = 0; k < 8; k++)
                {
                    T* v = level + 2 * rows[k];
                    v[0] += w[k] * g0; v[1] += w[k] * g1;
                }
                continue;
            }
            T* gj = gradJac + i * 3 * D + 2 * l;
            T gx0 = gj[0], gx1 = gj[1], gy0 = gj[D], gy1 = gj[D + 1], gz0 = gj[2 * D], gz1 = gj[2 * D + 1];
            for (int k = 0; k < 8; k++)
            {
                T* v = level + 2 * rows[k];
                v[0] += w[k] * g0 + dx[k] * gx0 + dy[k] * gy0 + dz[k] * gz0;
                v[1] += w[k] * g1 + dx[k] * gx1 + dy[k] * gy1 + dz[k] * gz1;
            }
        }
    }
}
