namespace DreamTime.Geometry;

public sealed record MeshExtractionOptions
{
    /// <summary>Samples per axis (nodes, so Resolution - 1 cells), first and last on the bounds.</summary>
    public int Resolution { get; init; } = 128;

    /// <summary>The surface is where density equals this; inside is density above it.</summary>
    public float IsoLevel { get; init; } = 0f;

    /// <summary>Points handed to the density and albedo functions per call.</summary>
    public int BatchSize { get; init; } = 65536;

    /// <summary>Drop every connected piece but the one with the most triangles (floaters, specks).</summary>
    public bool KeepLargestComponent { get; init; }
}
