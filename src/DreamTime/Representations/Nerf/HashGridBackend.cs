namespace DreamTime.Representations.Nerf;

/// <summary>How the encoding is evaluated: the CPU kernel where it applies, or plain tensor ops (any device).</summary>
public enum HashGridBackend { Auto, TensorOps }
