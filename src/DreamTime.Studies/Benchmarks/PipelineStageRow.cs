namespace DreamTime.Studies.Benchmarks;

/// <summary>One stage of a timed run: median seconds per step of each part, and the render's own parts by name.</summary>
public sealed record PipelineStageRow(string Stage, string Representation, int Steps, string Size, double Update, double Render,
    double Guidance, double Backward, double Optimizer, double Step, double Seconds,
    IReadOnlyList<(string Name, double Seconds)> RenderParts);
