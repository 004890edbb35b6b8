using DreamTime.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace DreamTime.Representations.Nerf;

/// <summary>
/// Multi-resolution hash-grid encoding (Instant-NGP): for each level, the trilinear interpolation of the
/// learned feature vectors at the 8 vertices of the cell around the point. Input: normalised positions u in
/// [0,1]^3, [N,3]; output: features [N, L*F] and, on request, their Jacobian d features / d u [N, 3, L*F]
/// (used for analytic normals; it is linear in the table, so gradients flow into the table through it).
/// </summary>
public sealed class HashGridEncoding : nn.Module<Tensor, Tensor>
{
    private readonly Parameter table;
    public HashGridLayout Layout { get; }
    public HashGridBackend Backend { get; set; } = HashGridBackend.Auto;

    public HashGridEncoding(HashGridLayout layout, Generator? init = null, ScalarType dtype = ScalarType.Float32) : base("encoding")
    {
        Layout = layout;
        // Instant-NGP's initialisation: tiny uniform values, so the field starts near zero everywhere.
        var t = torch.rand(new long[] { layout.TotalRows, layout.Features }, dtype: dtype, generator: init)
            .mul_(Scalars.Of(2e-4)).sub_(Scalars.Of(1e-4));
        table = new Parameter(t);
        RegisterComponents();
    }

    public Parameter Table => table;

    /// <summary>
    /// Threads the CPU kernel splits levels over (.NET threads, independent of libtorch's intra-op threads:
    /// on a busy 2-core machine libtorch's spinning OpenMP workers cost more than they give on these small
    /// tensors, while the kernel's per-level work splits cleanly).
    /// </summary>
    public static int KernelThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Seconds spent so far in the CPU kernel's backward passes (all instances), for benchmarks.</summary>
    public static double KernelBackwardSeconds => HashGridFunction.BackwardTicks / (double)System.Diagnostics.Stopwatch.Frequency;
    public int OutputDim => Layout.OutputDim;

    public override Tensor forward(Tensor u) => Encode(u, jacobian: false).Features;

    public (Tensor Features, Tensor? Jacobian) Encode(Tensor u, bool jacobian)
    {
        if (u.ndim != 2 || u.shape[1] != 3)
            throw new ArgumentException($"hash grid: positions must be [N,3], got [{string.Join(",", u.shape)}]");
        if (u.shape[0] == 0)
            return (torch.zeros(0, OutputDim, dtype: table.dtype, device: table.device),
                jacobian ? torch.zeros(0, 3, OutputDim, dtype: table.dtype, device: table.device) : null);
        if (Backend == HashGridBackend.Auto && HashGridKernel.Supports(Layout, table, u) && !u.requires_grad)
        {
            var outputs = HashGridFunction.apply(table, u, Layout, jacobian);
            return (outputs[0], jacobian ? outputs[1] : null);
        }
        return EncodeWithTensorOps(u, jacobian);
    }

    /// <summary>The same encoding from library ops: the reference for the kernel and the path for other devices.</summary>
    public (Tensor Features, Tensor? Jacobian) EncodeWithTensorOps(Tensor u, bool jacobian)
    {
        var g = Layout;
        long n = u.shape[0];
        int L = g.Levels, F = g.Features;
        var dev = u.device;
        var res = torch.tensor(g.Resolution.Select(r => (double)r).ToArray(), dtype: u.dtype, device: dev);   // [L]
        var resLong = torch.tensor(g.Resolution.Select(r => (long)r).ToArray(), device: dev);
        var s = u.clamp(Scalars.Of(0), Scalars.Of(1)).unsqueeze(1) * res.view(1, L, 1);                                         // [N,L,3]
        var cell = torch.minimum(s.floor().to(ScalarType.Int64), resLong.Minus(1).view(1, L, 1));               // [N,L,3]
        var frac = s - cell.to(u.dtype);                                                                       // [N,L,3]
        var bits = torch.tensor(Enumerable.Range(0, 8).SelectMany(c => new long[] { c & 1, (c >> 1) & 1, c >> 2 }).ToArray(),
            new long[] { 8, 3 }, device: dev);
        var vertex = cell.unsqueeze(2).Plus(bits.view(1, 1, 8, 3));                                              // [N,L,8,3]
        var (x, y, z) = (vertex[.., .., .., 0], vertex[.., .., .., 1], vertex[.., .., .., 2]);
        var stride = resLong.Plus(1).view(1, L, 1);
        var denseRow = x.Plus(stride * y.Plus(stride * z));
        // Products stay below 2^63 and only the low log2(T) bits are kept, so int64 gives uint32 hashing's result.
        var hashRow = x.bitwise_xor(y.Times((long)HashGridLayout.PrimeY)).bitwise_xor(z.Times((long)HashGridLayout.PrimeZ))
            .bitwise_and(g.TableSize - 1);
        var dense = torch.tensor(g.Dense, device: dev).view(1, L, 1);
        var offset = torch.tensor(g.Offset, device: dev).view(1, L, 1);
        var rows = torch.where(dense, denseRow, hashRow).Plus(offset);                                           // [N,L,8]
        var values = table.index_select(0, rows.flatten()).view(n, L, 8, F);
        var bitsF = bits.to(u.dtype).view(1, 1, 8, 3);
        var axisWeight = (bitsF * frac.unsqueeze(2)).Plus(bitsF.SubtractedFrom(1) * frac.unsqueeze(2).SubtractedFrom(1));  // [N,L,8,3]
        var (wx, wy, wz) = (axisWeight[.., .., .., 0], axisWeight[.., .., .., 1], axisWeight[.., .., .., 2]);
        var w = wx * wy * wz;                                                                                   // [N,L,8]
        var features = (w.unsqueeze(-1) * values).sum(2).reshape(n, L * F);
        if (!jacobian) return (features, null);
        var sign = bitsF.Times(2).Minus(1) * res.view(1, L, 1, 1);                                                  // d(axis weight)/du
        // [N,3,L,8]
        var dw = torch.stack(new[] { sign[.., .., .., 0] * wy * wz, wx * sign[.., .., .., 1] * wz, wx * wy * sign[.., .., .., 2] }, 1);
        var jac = torch.einsum("nklc,nlcf->nklf", dw, values).reshape(n, 3, L * F);
        return (features, jac);
    }
}
