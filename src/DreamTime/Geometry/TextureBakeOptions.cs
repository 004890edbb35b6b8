using DreamTime.Runtime;

namespace DreamTime.Geometry;

/// <summary>How <see cref="TextureBaker"/> fills a texture.</summary>
public sealed record TextureBakeOptions
{
    /// <summary>Texels per side; null bakes at the resolution the atlas was packed for (its gutters are in those texels).</summary>
    public int? Resolution { get; init; }
    /// <summary>Rounds of 8-neighbour averaging that spread baked texels into the empty ones around the charts.</summary>
    public int Dilation { get; init; } = 8;
    /// <summary>Most surface points handed to the colour function in one call.</summary>
    public int BatchSize { get; init; } = 65536;

    public void Validate()
    {
        if (Resolution is int r && (r < 16 || r > 16384)) throw new UserError("resolution", $"is {r}; must be in 16..16384");
        if (Dilation < 0 || Dilation > 256) throw new UserError("dilation", $"is {Dilation}; must be in 0..256");
        if (BatchSize < 1) throw new UserError("batch_size", $"is {BatchSize}; must be at least 1");
    }
}
