namespace DreamTime.Guidance.StableDiffusion;

/// <summary>How the VAE posterior becomes the latents that get noised.</summary>
public enum LatentMode
{
    /// <summary>A posterior sample drawn with the step's generator (threestudio).</summary>
    Sample,
    /// <summary>The posterior mean (deterministic).</summary>
    Mean,
}
