namespace DreamTime.Training;

/// <summary>How a session ended.</summary>
public enum SessionOutcome { Completed, Interrupted }
