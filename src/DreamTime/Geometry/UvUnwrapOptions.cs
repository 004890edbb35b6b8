using DreamTime.Runtime;

namespace DreamTime.Geometry;

/// <summary>How <see cref="UvUnwrap"/> cuts a mesh into charts and packs them.</summary>
public sealed record UvUnwrapOptions
{
    /// <summary>
    /// Largest angle in degrees between a triangle's normal and its chart's axis. Below 45 every triangle keeps its
    /// orientation when projected along the chart's mean normal (at most twice this away).
    /// </summary>
    public double MaxChartAngle { get; init; } = 35;
    /// <summary>Texels per side of the square texture the atlas is laid out for.</summary>
    public int Resolution { get; init; } = 1024;
    /// <summary>
    /// Empty texels kept around each chart (two charts lie at least twice this apart). Two is the least that keeps
    /// bilinear filtering at a chart's border within texels baked for that chart.
    /// </summary>
    public int Gutter { get; init; } = 2;

    public void Validate()
    {
        if (!(MaxChartAngle > 0 && MaxChartAngle < 45)) throw new UserError("max_chart_angle", $"is {MaxChartAngle}; must be in (0, 45)");
        if (Resolution < 16 || Resolution > 16384) throw new UserError("resolution", $"is {Resolution}; must be in 16..16384");
        if (Gutter < 2 || Gutter > 64) throw new UserError("gutter", $"is {Gutter}; must be in 2..64");
    }
}
