namespace DreamTime.Guidance;

/// <summary>What the guidance is conditioned on: a prompt (text-to-3D) and/or a reference view (image-to-3D).</summary>
public sealed record Conditioning(string Prompt, string NegativePrompt = "", ReferenceView? Reference = null);
