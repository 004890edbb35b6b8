namespace DreamTime.Models.Clip;

/// <summary>A special token's text and the file that named it (for error messages).</summary>
internal sealed record NamedToken(string Content, string Source);
