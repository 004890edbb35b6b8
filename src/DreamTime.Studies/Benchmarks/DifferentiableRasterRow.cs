namespace DreamTime.Studies.Benchmarks;

/// <summary>
/// One size of the differentiable rasteriser: median seconds of each stage of a forward and backward pass (rasterise,
/// interpolate a colour, antialias, a scalar loss and its backward pass), and the pixels covered.
/// </summary>
public sealed record DifferentiableRasterRow(int Size, double Visibility, double Barycentrics, double Interpolate, double AntialiasAnalysis,
    double AntialiasBlend, double Backward, double Total, double CoveredPixels);
