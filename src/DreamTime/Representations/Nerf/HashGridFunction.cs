using static TorchSharp.torch;

namespace DreamTime.Representations.Nerf;

/// <summary>Autograd node for <see cref="HashGridKernel"/>: inputs (table, positions,
/// layout, jacobian flag); outputs features and, if asked, the Jacobian.</summary>
internal sealed class HashGridFunction : autograd.MultiTensorFunction<HashGridFunction>
{
    public override string Name => "HashGridEncoding";

    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var table = (Tensor)vars[0];
        var positions = (Tensor)vars[1];
        var layout = (HashGridLayout)vars[2];
        bool jacobian = (bool)vars[3];
        ctx.save_for_backward([positions]);
        ctx.save_data("layout", layout);
        ctx.save_data("dtype", table.dtype);
        var (features, jac) = HashGridKernel.Forward(layout, table, positions, jacobian);
        return jac is null ? [features] : [features, jac];
    }

    /// <summary>Total time spent in this node's backward passes (read by the benchmark), in stopwatch ticks.</summary>
    internal static long BackwardTicks;

    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grads)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        var saved = ctx.get_saved_variables();
        var layout = (HashGridLayout)ctx.get_data("layout");
        var dtype = (ScalarType)ctx.get_data("dtype");
        var gradTable = HashGridKernel.Backward(layout, saved[0], grads[0], grads.Count > 1 ? grads[1] : null, dtype);
        foreach (var s in saved) s.Dispose();
        Interlocked.Add(ref BackwardTicks, System.Diagnostics.Stopwatch.GetTimestamp() - start);
        // Positions are constants here (they come from rays); the encoding sends points that need a gradient down the tensor-op path.
        return [gradTable, null!, null!, null!];
    }
}
