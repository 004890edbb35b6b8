namespace DreamTime.Studies.Benchmarks;

/// <summary>Median seconds of each part of a mesh-stage step at one render size, and the surface's size.</summary>
public sealed record MeshStepRow(int Resolution, double Surface, double Rasterize, double Texture, double Antialias, double Guidance,
    double Backward, double Adam, double Total, long Triangles, double PeakMiB);
