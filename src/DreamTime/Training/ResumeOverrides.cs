namespace DreamTime.Training;

/// <summary>What a resumed run may change: where it computes, and how far it goes (only further).</summary>
public sealed record ResumeOverrides(string? Device = null, int? Iterations = null);
