using DreamTime.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace DreamTime.Representations.Nerf;

/// <summary>
/// Empty-space skipping, as instant-ngp and nerfacc do it: a cubic grid of cells over the NeRF's bound that marks
/// where the density may exceed a threshold, so that the renderer queries the field only at samples inside marked
/// cells and gives the rest zero density. Each update reads the density at one point per cell (jittered in training,
/// so that over time every part of a cell is seen) and keeps max(decay * previous, new); a cell is marked when it or
/// a neighbour is above the threshold, so a surface that moves by less than a cell between updates is not lost.
/// Until the first update every cell is marked. The estimates are saved with the NeRF's checkpoint, so a resumed run
/// skips exactly the samples an uninterrupted one would.
/// </summary>
public sealed class OccupancyGrid : IDisposable
{
    /// <summary>Decay of a cell's estimate per update: a cell the surface has left is unmarked after a few updates.</summary>
    public const double Decay = 0.95;

    public int Resolution { get; }
    public double Bound { get; }
    public double Threshold { get; }
    /// <summary>[R^3] the density estimate per cell (x fastest); +inf before the first update.</summary>
    public Tensor CellDensity { get; private set; }
    /// <summary>[R^3] bool: the cells whose samples are queried.</summary>
    public Tensor Occupied { get; private set; }

    public OccupancyGrid(int resolution, double bound, double threshold)
    {
        Resolution = resolution;
        Bound = bound;
        Threshold = threshold;
        CellDensity = torch.full(new long[] { (long)resolution * resolution * resolution }, Scalars.Of(double.PositiveInfinity))
            .DetachFromDisposeScope();
        Occupied = torch.ones(CellDensity.shape, dtype: ScalarType.Bool).DetachFromDisposeScope();
        _padded = Padded(Occupied);
    }

    /// <summary>The fraction of cells marked.</summary>
    public double OccupiedFraction
    {
        get
        {
            using var scope = NewDisposeScope();
            return Occupied.to(ScalarType.Float64).mean().ReadDouble();
        }
    }

    /// <summary>Whether each point [N,3] lies in a marked cell (points outside the grid's cube are not).</summary>
    public Tensor Contains(Tensor points)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // a point outside the cube lands, by the clamp, in the padded grid's unmarked border; the cell's flat index is
        // exact in float32 (below 2^24), so products and a sum give it (no matmul: a GPU may round that to TF32)
        var cell = points.detach().to(ScalarType.Float32).Plus(Bound).Times(Resolution / (2 * Bound)).floor()
            .clamp(Scalars.Of(-1), Scalars.Of(Resolution)).Plus(1);
        long side = Resolution + 2;
        var strides = torch.tensor(new float[] { 1, side, side * side }, device: points.device);
        var flat = (cell * strides).sum(1).to(ScalarType.Int64);
        return PaddedOn(points.device).index_select(0, flat).MoveToOuterDisposeScope();
    }

    /// <summary>[(R+2)^3] the marks with a border of unmarked cells, on a device (copied there once per update rather than
    /// at every render, for a GPU's renders).</summary>
    private Tensor PaddedOn(Device device)
    {
        if (device.type == DeviceType.CPU) return _padded;
        if (_onDevice is null || _onDevice.device != device)
        {
            _onDevice?.Dispose();
            _onDevice = _padded.to(device).DetachFromDisposeScope();
        }
        return _onDevice;
    }

    private Tensor _padded;
    private Tensor? _onDevice;

    /// <summary>Reads <paramref name="density"/> at one point per cell (its centre, or a uniform point in it with
    /// <paramref name="jitter"/>) and marks the cells again.</summary>
    public void Update(Func<Tensor, Tensor> density, Generator? jitter)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long r = Resolution, n = r * r * r;
        var index = ScalarArithmetic.Arange(n, ScalarType.Int64);
        var cell = torch.stack(new[] { index.remainder(Scalars.Of(r)), index.div(Scalars.Of(r), rounding_mode: RoundingMode.floor)
            .remainder(Scalars.Of(r)), index.div(Scalars.Of(r * r), rounding_mode: RoundingMode.floor) }, 1).to(ScalarType.Float32);
        var offset = jitter == null ? torch.full(new long[] { n, 3 }, Scalars.Of(0.5)) : torch.rand(new long[] { n, 3 }, generator: jitter);
        var points = cell.Plus(offset).Times(2 * Bound / r).Minus(Bound);
        var fresh = density(points).reshape(-1).to(ScalarType.Float32).cpu();
        var previous = CellDensity;
        // +inf (never updated) times the decay stays +inf; the first update replaces it
        var decayed = torch.isinf(previous).all().item<bool>() ? fresh : torch.maximum(previous.Times(Decay), fresh);
        SetEstimates(decayed.MoveToOuterDisposeScope());
    }

    /// <summary>Replaces the estimates (a checkpoint's) and marks the cells from them.</summary>
    public void SetEstimates(Tensor cellDensity)
    {
        if (cellDensity.numel() != CellDensity.numel())
            throw new ArgumentException($"occupancy estimates: {cellDensity.numel()} cells given, the grid has {CellDensity.numel()}");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int r = Resolution;
        var above = cellDensity.reshape(1, 1, r, r, r).to(ScalarType.Float32).gt(Scalars.Of(Threshold)).to(ScalarType.Float32);
        var dilated = nn.functional.max_pool3d(above, new long[] { 3, 3, 3 }, new long[] { 1, 1, 1 }, new long[] { 1, 1, 1 });
        var occupied = dilated.reshape(-1).gt(Scalars.Of(0.5));
        CellDensity.Dispose();
        Occupied.Dispose();
        _onDevice?.Dispose();
        _onDevice = null;
        _padded.Dispose();
        CellDensity = cellDensity.reshape(-1).to(ScalarType.Float32).cpu().clone().DetachFromDisposeScope();
        Occupied = occupied.DetachFromDisposeScope();
        _padded = Padded(Occupied);
    }

    private Tensor Padded(Tensor occupied)
    {
        using var scope = NewDisposeScope();
        int r = Resolution;
        var marks = occupied.reshape(1, 1, r, r, r).to(ScalarType.Float32);
        return nn.functional.pad(marks, new long[] { 1, 1, 1, 1, 1, 1 }).reshape(-1).gt(Scalars.Of(0.5)).DetachFromDisposeScope();
    }

    public void Dispose()
    {
        CellDensity.Dispose();
        Occupied.Dispose();
        _padded.Dispose();
        _onDevice?.Dispose();
    }
}
